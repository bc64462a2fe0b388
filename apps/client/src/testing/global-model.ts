import type { Identity } from '@fedfuse/crypto';
import { signGlobalWeights } from '@fedfuse/crypto';
import { createModel, getWeights, initBackend, layoutOf } from '@fedfuse/model';
import type { EvaluateIns, FitConfig, FitIns, ModelSpec, WeightsManifest } from '@fedfuse/protocol';
import {
  chunkTransfer,
  encodeWeights,
  manifestHash,
  sha256Hex,
  type ChunkedTransfer,
} from '@fedfuse/protocol';

import { toWireManifest } from '../fl/manifest-map.ts';

/** A coordinator's initial global model for `spec`, encoded and cut into small chunks. */
export interface GlobalModel {
  spec: ModelSpec;
  manifest: WeightsManifest;
  values: Float32Array;
  blob: Uint8Array;
  modelHash: string;
  manifestHash: string;
  transfer: ChunkedTransfer;
}

/** Build the model with @fedfuse/model (seeded initial weights, the same on every backend). */
export async function globalModel(spec: ModelSpec, chunkBytes = 512): Promise<GlobalModel> {
  await initBackend({ backend: 'wasm', log: () => {} });
  const [h, w, c] = spec.imageShape;
  const model = createModel({ ...spec, imageShape: [h, w, c] });
  const values = getWeights(model).weights;
  const manifest = toWireManifest(layoutOf(model).entries);
  model.dispose();
  const blob = encodeWeights({ manifest, values });
  return {
    spec,
    manifest,
    values,
    blob,
    modelHash: await sha256Hex(blob),
    manifestHash: await manifestHash(manifest),
    transfer: await chunkTransfer(blob, { chunkBytes }),
  };
}

function modelRef(o: { model: GlobalModel; coordinator: Identity; roundId: string }) {
  const { model } = o;
  return {
    modelHash: model.modelHash,
    manifest: model.manifest,
    manifestHash: model.manifestHash,
    weights: model.transfer.ref,
    signature: signGlobalWeights({
      coordinator: o.coordinator,
      roundId: o.roundId,
      modelHash: model.modelHash,
      manifestHash: model.manifestHash,
    }),
  };
}

/** A signed FitIns for `model`. */
export function fitIns(o: {
  model: GlobalModel;
  coordinator: Identity;
  roundId?: string;
  config?: Partial<FitConfig>;
}): FitIns {
  const roundId = o.roundId ?? crypto.randomUUID();
  return {
    runId: '00000000-0000-4000-8000-000000000001',
    roundId,
    roundNumber: 1,
    modelSpec: o.model.spec,
    model: modelRef({ model: o.model, coordinator: o.coordinator, roundId }),
    // Small mini-batches with modality dropout, as sites really train.
    config: {
      epochs: 2,
      batchSize: 8,
      learningRate: 0.01,
      modalityKeepProb: 0.85,
      proximalMu: 0,
      seed: 3,
      ...o.config,
    },
    deadline: Date.now() + 60_000,
  };
}

/** A signed EvaluateIns for `model`. */
export function evaluateIns(o: { model: GlobalModel; coordinator: Identity; bins?: number }): EvaluateIns {
  const roundId = crypto.randomUUID();
  return {
    runId: '00000000-0000-4000-8000-000000000001',
    roundId,
    roundNumber: 1,
    modelSpec: o.model.spec,
    model: modelRef({ model: o.model, coordinator: o.coordinator, roundId }),
    config: { batchSize: 16, tasks: [...o.model.spec.tasks], bins: o.bins ?? 10 },
    deadline: Date.now() + 60_000,
  };
}
