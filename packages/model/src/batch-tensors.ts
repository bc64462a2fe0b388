import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import type { ModelBatch } from './batch.ts';
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

/** Rows of a site batch as tensors; `present` may be replaced (modality dropout, hidden modality). */
export function batchTensors(
  config: ModelConfig,
  batch: ModelBatch,
  selection: { rows: ArrayLike<number>; present: Uint8Array },
): { inputs: ForwardInputs; targets: LossTargets } {
  const { rows, present } = selection;
  const b = rows.length;
  const [h, w, c] = config.imageShape;
  const tasks = config.tasks.length;
  const presentFloat = Float32Array.from(present);
  const active: [boolean, boolean, boolean] = [false, false, false];
  for (let i = 0; i < present.length; i++) if (present[i] === 1) active[i % 3] = true;
  const rawLabels = gatherRows(batch.labels, rows, tasks);
  const labelMask = rawLabels.map((y) => (Number.isNaN(y) ? 0 : 1));
  const labels = rawLabels.map((y) => (Number.isNaN(y) ? 0 : y));
  const genomics = tf.tensor2d(gatherRows(batch.genomics, rows, config.genomicsDim), [b, config.genomicsDim]);
  const presentTensor = tf.tensor2d(presentFloat, [b, 3]);
  return {
    inputs: {
      ehr: tf.tensor2d(gatherRows(batch.ehr, rows, config.ehrDim), [b, config.ehrDim]),
      image: tf.tensor4d(gatherRows(batch.image, rows, h * w * c), [b, h, w, c]) as Tensor4D,
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

/** The present flags of the selected rows. */
export function presentRows(batch: ModelBatch, rows: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(rows.length * 3);
  for (let r = 0; r < rows.length; r++)
    out.set(batch.present.subarray(rows[r]! * 3, rows[r]! * 3 + 3), r * 3);
  return out;
}
