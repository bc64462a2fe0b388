import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import type { ModelBatch } from './batch.ts';
import { MODALITIES } from './batch.ts';
import type { ModelConfig } from './config.ts';
import type { ForwardInputs } from './forward.ts';
import type { LossTargets } from './loss.ts';

function gatherRows(source: Float32Array, rows: ArrayLike<number>, width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) {
    const start = rows[r]! * width;
    out.set(source.subarray(start, start + width), r * width);
  }
  return out;
}

/** b×M flags of the model's modalities (config.modalities order) from b×3 batch flags. */
function modelPresent(config: ModelConfig, present: Uint8Array): Float32Array {
  const columns = config.modalities.map((m) => MODALITIES.indexOf(m));
  const rows = present.length / 3;
  const out = new Float32Array(rows * columns.length);
  for (let r = 0; r < rows; r++)
    columns.forEach((column, i) => (out[r * columns.length + i] = present[r * 3 + column]!));
  return out;
}

/**
 * Rows of a site batch as tensors; `present` (b×3, batch order) may be replaced (modality dropout,
 * hidden modality). Only the model's modalities become tensors.
 */
export function batchTensors(
  config: ModelConfig,
  batch: ModelBatch,
  selection: { rows: ArrayLike<number>; present: Uint8Array },
): { inputs: ForwardInputs; targets: LossTargets } {
  const { rows } = selection;
  const b = rows.length;
  const [h, w, c] = config.imageShape;
  const tasks = config.tasks.length;
  const present = modelPresent(config, selection.present);
  const m = config.modalities.length;
  const active = config.modalities.map((_, i) => present.some((v, j) => j % m === i && v === 1));
  const has = (modality: (typeof MODALITIES)[number]) => config.modalities.includes(modality);
  const rawLabels = gatherRows(batch.labels, rows, tasks);
  const labelMask = rawLabels.map((y) => (Number.isNaN(y) ? 0 : 1));
  const labels = rawLabels.map((y) => (Number.isNaN(y) ? 0 : y));
  const genomics = has('genomics')
    ? tf.tensor2d(gatherRows(batch.genomics, rows, config.genomicsDim), [b, config.genomicsDim])
    : undefined;
  const presentTensor = tf.tensor2d(present, [b, m]);
  return {
    inputs: {
      ehr: has('ehr')
        ? tf.tensor2d(gatherRows(batch.ehr, rows, config.ehrDim), [b, config.ehrDim])
        : undefined,
      image: has('imaging')
        ? (tf.tensor4d(gatherRows(batch.image, rows, h * w * c), [b, h, w, c]) as Tensor4D)
        : undefined,
      genomics,
      present: presentTensor,
      active,
    },
    targets: {
      labels: tf.tensor2d(labels, [b, tasks]) as Tensor2D,
      labelMask: tf.tensor2d(labelMask, [b, tasks]) as Tensor2D,
      genomics,
      present: presentTensor,
    },
  };
}

/** The present flags of the selected rows, with modalities the model leaves out cleared. */
export function presentRows(
  batch: ModelBatch,
  rows: ArrayLike<number>,
  modalities: readonly string[] = MODALITIES,
): Uint8Array {
  const kept = MODALITIES.map((m) => modalities.includes(m));
  const out = new Uint8Array(rows.length * 3);
  for (let r = 0; r < rows.length; r++)
    for (let i = 0; i < 3; i++) out[r * 3 + i] = kept[i] ? batch.present[rows[r]! * 3 + i]! : 0;
  return out;
}
