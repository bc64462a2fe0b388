import { Injectable } from '@nestjs/common';
import type { WeightsManifest, ModelSpec, GlobalModelRef } from '@fedfuse/protocol';
import { chunkTransfer, decodeWeights, encodeWeights, manifestHash, sha256Hex } from '@fedfuse/protocol';
import type { ChunkedTransfer } from '@fedfuse/protocol';
import { createModel, getWeights, layoutOf } from '@fedfuse/model';
import type { ParameterLayout } from '@fedfuse/strategy';
import { signGlobalWeights } from '@fedfuse/crypto';
import type { Identity } from '@fedfuse/crypto';

/** An encoded global model ready to be sent: its bytes, hashes and chunked transfer. */
export interface ModelBlob {
  bytes: Uint8Array;
  values: Float32Array;
  manifest: WeightsManifest;
  manifestHash: string;
  modelHash: string;
  transfer: ChunkedTransfer;
}

/** A UUID (version 4 layout) derived from a hash, so a model keeps its transfer id across restarts. */
function transferIdFor(hash: string): string {
  const h = hash.slice(0, 32).split('');
  h[12] = '4';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

const MAX_CACHED = 8;

/** Builds, encodes, signs and caches global models; the only place the coordinator touches tfjs. */
@Injectable()
export class GlobalModelService {
  private readonly blobs = new Map<string, ModelBlob>();
  private readonly layouts = new Map<string, { layout: ParameterLayout; manifest: WeightsManifest }>();
  private readonly initial = new Map<string, Float32Array>();

  /** The parameter layout (groups) and wire manifest of a model spec. */
  describe(spec: ModelSpec): { layout: ParameterLayout; manifest: WeightsManifest } {
    const key = JSON.stringify(spec);
    const known = this.layouts.get(key);
    if (known) return known;
    const model = createModel(spec);
    try {
      const layout = layoutOf(model);
      const manifest: WeightsManifest = {
        dtype: 'float32',
        tensors: layout.entries.map((e) => ({ name: e.name, shape: e.shape })),
        numParams: layout.totalLength,
      };
      const described = { layout: layout.entries, manifest };
      this.layouts.set(key, described);
      return described;
    } finally {
      model.dispose();
    }
  }

  /** The seeded initial weights of a run's model (a copy: building the model costs a round's worth of time). */
  initialWeights(spec: ModelSpec): Float32Array {
    const key = JSON.stringify(spec);
    let weights = this.initial.get(key);
    if (!weights) {
      const model = createModel(spec);
      try {
        weights = getWeights(model).weights;
      } finally {
        model.dispose();
      }
      this.initial.set(key, weights);
      if (this.initial.size > MAX_CACHED) this.initial.delete(this.initial.keys().next().value!);
    }
    return weights.slice();
  }

  /** Encodes weights with their manifest and prepares the chunked transfer. */
  async blob(values: Float32Array, manifest: WeightsManifest): Promise<ModelBlob> {
    const bytes = encodeWeights({ manifest, values });
    return this.remember(bytes, { values, manifest });
  }

  /** Decodes stored model bytes (a checkpoint) into a blob. */
  async fromBytes(bytes: Uint8Array): Promise<ModelBlob> {
    const decoded = decodeWeights(bytes);
    if (!decoded.ok) throw new Error(`Stored model does not decode: ${decoded.error.message}`);
    return this.remember(bytes, decoded.data);
  }

  private async remember(
    bytes: Uint8Array,
    weights: { values: Float32Array; manifest: WeightsManifest },
  ): Promise<ModelBlob> {
    const modelHash = await sha256Hex(bytes);
    const known = this.blobs.get(modelHash);
    if (known) return known;
    const transfer = await chunkTransfer(bytes, { transferId: transferIdFor(modelHash), sha256: modelHash });
    const blob: ModelBlob = {
      bytes,
      values: weights.values,
      manifest: weights.manifest,
      manifestHash: await manifestHash(weights.manifest),
      modelHash: transfer.ref.sha256,
      transfer,
    };
    this.blobs.set(blob.modelHash, blob);
    if (this.blobs.size > MAX_CACHED) this.blobs.delete(this.blobs.keys().next().value!);
    return blob;
  }

  /** The blob of a model this process encoded or read already, by its hash (its bytes' SHA-256). */
  known(modelHash: string): ModelBlob | undefined {
    return this.blobs.get(modelHash);
  }

  /** The blob whose transfer id a site asks for. */
  byTransferId(transferId: string): ModelBlob | undefined {
    return [...this.blobs.values()].find((b) => b.transfer.ref.transferId === transferId);
  }

  /** The signed reference a round sends: hashes, manifest, transfer and the coordinator's signature. */
  reference(blob: ModelBlob, options: { roundId: string; coordinator: Identity }): GlobalModelRef {
    const signature = signGlobalWeights({
      coordinator: options.coordinator,
      roundId: options.roundId,
      modelHash: blob.modelHash,
      manifestHash: blob.manifestHash,
    });
    return {
      modelHash: blob.modelHash,
      manifest: blob.manifest,
      manifestHash: blob.manifestHash,
      weights: blob.transfer.ref,
      signature,
    };
  }
}
