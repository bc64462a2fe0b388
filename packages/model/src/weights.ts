import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { TriModalModel } from './model.ts';

/** Where each parameter sits in the flat weight vector. */
export interface ManifestEntry {
  name: string;
  shape: number[];
  group: string;
  offset: number;
  length: number;
}

export interface WeightManifest {
  entries: ManifestEntry[];
  totalLength: number;
  /** SHA-256 of the names and shapes: two models with the same layout hash can exchange weights. */
  layoutHash: string;
  /** SHA-256 of the weight bytes (little-endian Float32). */
  sha256: string;
}

/** The parameter layout of a model, without any weights. */
export function layoutOf(model: TriModalModel): Omit<WeightManifest, 'sha256'> {
  let offset = 0;
  const entries = model.specs.map((spec) => {
    const length = spec.shape.reduce((a, b) => a * b, 1);
    const entry = { name: spec.name, shape: [...spec.shape], group: spec.group, offset, length };
    offset += length;
    return entry;
  });
  const layoutText = entries.map((e) => `${e.name}:${e.shape.join('x')}:${e.group}`).join('\n');
  return { entries, totalLength: offset, layoutHash: createHash('sha256').update(layoutText).digest('hex') };
}

/** SHA-256 of the bytes of a Float32Array, as hex. */
export function hashWeights(weights: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength))
    .digest('hex');
}

/** All weights as one flat Float32Array in layout order, with their manifest. */
export function getWeights(model: TriModalModel): { weights: Float32Array; manifest: WeightManifest } {
  const layout = layoutOf(model);
  const weights = new Float32Array(layout.totalLength);
  model.variables.forEach((variable, i) => weights.set(variable.dataSync(), layout.entries[i]!.offset));
  return { weights, manifest: { ...layout, sha256: hashWeights(weights) } };
}

/** One tensor per parameter from a flat vector (caller disposes them). */
function unflatten(model: TriModalModel, weights: Float32Array): Tensor[] {
  const layout = layoutOf(model);
  if (weights.length !== layout.totalLength) {
    throw new Error(
      `Weights: got ${weights.length} values, the ${model.config.fusion} model has ${layout.totalLength}`,
    );
  }
  return layout.entries.map((e) =>
    tf.tensor(weights.subarray(e.offset, e.offset + e.length), e.shape, 'float32'),
  );
}

/**
 * Loads a flat weight vector into the model. With a manifest, its layout and hash must match:
 * nothing changes if any check fails.
 */
export function setWeights(model: TriModalModel, weights: Float32Array, manifest?: WeightManifest): void {
  const layout = layoutOf(model);
  if (manifest) {
    if (manifest.layoutHash !== layout.layoutHash) {
      throw new Error('Weights: the manifest describes a different model layout (layout hash mismatch)');
    }
    const actual = hashWeights(weights);
    if (actual !== manifest.sha256) {
      throw new Error(
        `Weights: SHA-256 ${actual.slice(0, 12)}… does not match the manifest's ${manifest.sha256.slice(0, 12)}…`,
      );
    }
  }
  for (let i = 0; i < weights.length; i++) {
    if (!Number.isFinite(weights[i])) throw new Error(`Weights: value ${i} is not finite (${weights[i]})`);
  }
  const tensors = unflatten(model, weights);
  model.variables.forEach((variable, i) => variable.assign(tensors[i]!));
  tensors.forEach((t) => t.dispose());
}
