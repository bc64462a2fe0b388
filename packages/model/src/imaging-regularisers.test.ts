import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { batchTensors } from './batch-tensors.ts';
import { resolveModelConfig } from './config.ts';
import { forward } from './forward.ts';
import {
  imagingSpecs,
  INTENSITY_FEATURES_PER_CHANNEL,
  intensityStats,
  standardizeImages,
  textureFeatures,
  TEXTURE_FEATURES_PER_CHANNEL,
} from './imaging-encoder.ts';
import type { TriModalModel } from './model.ts';
import { createModel } from './model.ts';
import { separableBatch, smallConfig } from './testing/fixtures.ts';
import { trainLocalRound } from './train.ts';

const models: TriModalModel[] = [];
beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});
afterEach(() => models.splice(0).forEach((m) => m.dispose()));

function model(partial: Parameters<typeof createModel>[0]): TriModalModel {
  const m = createModel({ ...smallConfig, ...partial });
  models.push(m);
  return m;
}

const GLOBAL = { imageStandardize: true, imageGroupNorm: 2, imagePooling: 'global' } as const;

describe('imaging regularisers: parameters', () => {
  it('texture energies add their features to the projection, reconstruction adds a decoder', () => {
    const base = imagingSpecs(resolveModelConfig({ ...smallConfig, ...GLOBAL, imageTexture: false }));
    const more = imagingSpecs(
      resolveModelConfig({
        ...smallConfig,
        ...GLOBAL,
        imageTexture: true,
        imageReconWeight: 1,
        imageReconGrid: 4,
      }),
    );
    const project = (specs: typeof base) => specs.find((s) => s.name === 'imaging.project.kernel')!.shape;
    expect(project(base)).toEqual([16, 16]); // 2 × 8 channels → d = 16
    expect(project(more)).toEqual([16 + TEXTURE_FEATURES_PER_CHANNEL, 16]);
    expect(more.slice(-2).map((s) => [s.name, s.shape])).toEqual([
      ['imaging.decode.kernel', [16, 16]], // d → 4×4 pooled pixels
      ['imaging.decode.bias', [16]],
    ]);
  });

  it('with the last GroupNorm every block has norm parameters; statistics widen the projection', () => {
    const config = resolveModelConfig({
      ...smallConfig,
      ...GLOBAL,
      imageTexture: false,
      imageLastGroupNorm: true,
      imageIntensityStats: true,
    });
    const specs = imagingSpecs(config);
    expect(specs.filter((s) => s.name.startsWith('imaging.norm')).map((s) => s.name)).toEqual([
      'imaging.norm1.scale',
      'imaging.norm1.shift',
      'imaging.norm2.scale',
      'imaging.norm2.shift',
    ]);
    const project = specs.find((s) => s.name === 'imaging.project.kernel')!;
    expect(project.shape).toEqual([16 + INTENSITY_FEATURES_PER_CHANNEL, 16]);
  });

  it('the imaging decay factor multiplies λ on imaging kernels only, never on biases', () => {
    const specs = imagingSpecs(resolveModelConfig({ ...smallConfig, ...GLOBAL, imageDecayFactor: 10 }));
    for (const spec of specs) expect(spec.decay).toBe(spec.name.endsWith('.kernel') ? 10 : 0);
  });

  it('are refused with the field named when out of range', () => {
    expect(() => resolveModelConfig({ ...smallConfig, imageFeatureDropout: 1 })).toThrow(
      /imageFeatureDropout must be in \[0, 1\), got 1/,
    );
    expect(() => resolveModelConfig({ ...smallConfig, imageDecayFactor: -1 })).toThrow(/imageDecayFactor/);
    expect(() => resolveModelConfig({ ...smallConfig, imageReconWeight: -1 })).toThrow(/imageReconWeight/);
    expect(() => resolveModelConfig({ ...smallConfig, imageReconGrid: 5 })).toThrow(
      /imageReconGrid must divide imageShape 16×16×1, got 5/,
    );
    expect(() => resolveModelConfig({ ...smallConfig, modalitySoloProb: 2 })).toThrow(/modalitySoloProb/);
  });
});

describe('textureFeatures', () => {
  it('rise with local contrast and tell fine texture from coarse by the ratio of its two scales', () => {
    const size = 16;
    const pattern = (period: number) =>
      Array.from({ length: size * size }, (_, p) => (Math.floor((p % size) / period) % 2 === 0 ? 1 : -1));
    const flat = Array.from({ length: size * size }, (_, p) => 0.01 * ((p * 7) % 5));
    const x = tf.tensor4d([...pattern(1), ...pattern(4), ...flat], [3, size, size, 1]);
    const f = textureFeatures(x).arraySync();
    // Features: [mean, max, min] log energy at scale 1, then at scale 2.
    const [fine, coarse, smooth] = f as number[][];
    expect(fine![0]).toBeGreaterThan(smooth![0]! + 3);
    expect(coarse![0]).toBeGreaterThan(smooth![0]! + 3);
    // Stripes one pixel wide average out at scale 2; stripes four wide keep their edges there.
    expect(fine![0]! - fine![3]!).toBeGreaterThan(coarse![0]! - coarse![3]! + 3);
  });
});

/** The texture features as slices of the image (the implementation before the difference filter). */
function textureBySlices(image: tf.Tensor4D): tf.Tensor2D {
  const parts = [1, 2].map((scale) => {
    const x = scale === 1 ? image : tf.avgPool(image, scale, scale, 'valid');
    const [, h, w] = x.shape;
    const dx = tf.sub(
      tf.slice(x, [0, 0, 1, 0], [-1, h, w - 1, -1]),
      tf.slice(x, [0, 0, 0, 0], [-1, h, w - 1, -1]),
    );
    const dy = tf.sub(
      tf.slice(x, [0, 1, 0, 0], [-1, h - 1, w, -1]),
      tf.slice(x, [0, 0, 0, 0], [-1, h - 1, w, -1]),
    );
    const energy = tf.add(
      tf.square(tf.slice(dx, [0, 0, 0, 0], [-1, h - 1, w - 1, -1])),
      tf.square(tf.slice(dy, [0, 0, 0, 0], [-1, h - 1, w - 1, -1])),
    ) as tf.Tensor4D;
    const local = tf.log(tf.add(tf.avgPool(energy, 4, 4, 'valid'), 1e-5));
    return tf.concat([tf.mean(local, [1, 2]), tf.max(local, [1, 2]), tf.min(local, [1, 2])], 1);
  });
  return tf.reshape(tf.concat(parts, 1), [image.shape[0], -1]) as tf.Tensor2D;
}

describe('textureFeatures as a difference filter', () => {
  it('equals the differences taken by slicing, per channel, to float rounding', () => {
    const x = tf.randomNormal([3, 18, 18, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
    const fast = textureFeatures(x).dataSync();
    const reference = textureBySlices(x).dataSync();
    expect(fast.length).toBe(3 * 2 * 6);
    fast.forEach((v, i) => expect(Math.abs(v - reference[i]!), `feature ${i}`).toBeLessThan(1e-5));
  });
});

describe('intensityStats', () => {
  it('gives the tail fractions, skewness and log kurtosis of the standardised pixels', () => {
    const values = [-2.5, -1.5, 0, 0.5, 1.5, 2.5, 3.5, 0];
    const f = intensityStats(tf.tensor4d(values, [1, 2, 4, 1])).arraySync()[0]!;
    const mean = (g: (v: number) => number) => values.reduce((a, v) => a + g(v), 0) / values.length;
    const expected = [1 / 8, 2 / 8, 3 / 8, 2 / 8, 1 / 8, mean((v) => v ** 3), Math.log(mean((v) => v ** 4))];
    f.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
  });

  it("do not change with a scanner's gain and offset once the image is standardised", () => {
    const image = Array.from({ length: 64 }, (_, p) => (p % 9 === 0 ? 1 : 0.1 * (p % 3)));
    const x = tf.tensor4d([...image, ...image.map((v) => 3 * v + 7)], [2, 8, 8, 1]);
    const [a, b] = intensityStats(standardizeImages(x)).arraySync();
    a!.forEach((v, i) => expect(b![i]).toBeCloseTo(v, 3));
  });
});

describe('imaging feature dropout', () => {
  it('changes the training embedding with its seed and leaves inference deterministic', () => {
    const m = model({ ...GLOBAL, imageFeatureDropout: 0.5 });
    const batch = separableBatch(m.config, { n: 8, seed: 3 });
    const logits = (training: boolean, noiseSeed: number) =>
      tf.tidy(() => {
        const rows = Array.from({ length: batch.n }, (_, r) => r);
        const { inputs } = batchTensors(m.config, batch, { rows, present: batch.present });
        return Array.from(forward(m, inputs, { training, noiseSeed }).logits.dataSync());
      });
    expect(logits(true, 1)).not.toEqual(logits(true, 2));
    expect(logits(true, 1)).toEqual(logits(true, 1));
    expect(logits(false, 1)).toEqual(logits(false, 2));
  });
});

describe('imaging reconstruction', () => {
  const unlabelled = (m: TriModalModel) => {
    const batch = separableBatch(m.config, { n: 128, seed: 1 });
    batch.labels.fill(Number.NaN);
    return batch;
  };
  const quiet = { ...GLOBAL, l2: 0, alignWeight: 0, reconWeight: 0, auxWeight: 0 };
  const train = { epochs: 6, batchSize: 32, learningRate: 1e-2, seed: 1 };

  it('trains the encoder on unlabelled images and lowers its reconstruction error', () => {
    const m = model({ ...quiet, imageReconWeight: 1, imageReconGrid: 4 });
    const before = Array.from(m.param('imaging.conv1.kernel').dataSync());
    const result = trainLocalRound(m, unlabelled(m), train);
    expect(result.lossPerEpoch.at(-1)!).toBeLessThan(0.8 * result.lossPerEpoch[0]!);
    expect(result.lossTerms.reconstruction).toBeGreaterThan(0);
    expect(Array.from(m.param('imaging.conv1.kernel').dataSync())).not.toEqual(before);
  });

  it('is what moves the encoder: without it unlabelled images leave the encoder as it was', () => {
    const m = model({ ...quiet, imageReconWeight: 0 });
    const before = Array.from(m.param('imaging.conv1.kernel').dataSync());
    const result = trainLocalRound(m, unlabelled(m), train);
    expect(result.lossTerms.reconstruction).toBe(0);
    expect(Array.from(m.param('imaging.conv1.kernel').dataSync())).toEqual(before);
  });
});
