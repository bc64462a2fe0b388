import type { ModelModality } from './config.ts';
import { MODEL_MODALITIES } from './config.ts';

/** Modalities in their fixed order; `present` flags and attention weights follow it. */
export const MODALITIES = MODEL_MODALITIES;
export type Modality = ModelModality;

/**
 * A site's aligned examples in row-major flat arrays, as the data package produces them.
 * Absent modalities hold zeros and a 0 in `present`; a missing label is NaN.
 */
export interface ModelBatch {
  n: number;
  /** n × ehrDim, standardized, with missingness indicators already appended. */
  ehr: Float32Array;
  /** n × height × width × channels (NHWC), scaled to about [0, 1]. */
  image: Float32Array;
  /** n × genomicsDim, log1p then standardized, in the federation's gene order. */
  genomics: Float32Array;
  /** n × 3 flags (ehr, imaging, genomics): 1 present, 0 absent. */
  present: Uint8Array;
  /** n × tasks, 0 or 1, NaN where the label is missing. */
  labels: Float32Array;
}

interface BatchShape {
  /** The model's modalities (default all): the input of one left out may be empty. */
  modalities?: readonly Modality[];
  ehrDim: number;
  genomicsDim: number;
  imageShape: [number, number, number];
  tasks: string[];
}

/** Refuses a batch whose arrays do not fit the model, or whose features are not finite, naming the field. */
export function validateBatch(batch: ModelBatch, shape: BatchShape): void {
  const { n } = batch;
  if (!Number.isInteger(n) || n < 0) throw new Error(`Batch: n must be a non-negative integer, got ${n}`);
  const pixels = shape.imageShape[0] * shape.imageShape[1] * shape.imageShape[2];
  const modelHas = (m: Modality) => (shape.modalities ?? MODALITIES).includes(m);
  const expected: [keyof ModelBatch, number, boolean][] = [
    ['ehr', n * shape.ehrDim, modelHas('ehr')],
    ['image', n * pixels, modelHas('imaging')],
    ['genomics', n * shape.genomicsDim, modelHas('genomics')],
    ['present', n * 3, true],
    ['labels', n * shape.tasks.length, true],
  ];
  for (const [field, length, required] of expected) {
    const actual = (batch[field] as ArrayLike<number>).length;
    if (actual === length || (!required && actual === 0)) continue;
    const placeholder = required ? '' : ' (or 0: the model has no such input)';
    throw new Error(`Batch: ${field} has ${actual} values, expected ${length}${placeholder} for n = ${n}`);
  }
  for (const [field, , required] of expected.slice(0, 3)) {
    if (!required) continue; // an input the model leaves out is never read
    const values = batch[field] as Float32Array;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new Error(
          `Batch: ${field} value ${i} (row ${Math.floor(i / (values.length / n))}) is not finite`,
        );
      }
    }
  }
  for (let i = 0; i < batch.labels.length; i++) {
    const label = batch.labels[i]!;
    if (!Number.isNaN(label) && label !== 0 && label !== 1) {
      throw new Error(`Batch: label ${i} is ${label}; labels are 0, 1 or NaN (missing)`);
    }
  }
  for (let i = 0; i < batch.present.length; i++) {
    if (batch.present[i]! > 1)
      throw new Error(`Batch: present flag ${i} is ${batch.present[i]}; flags are 0 or 1`);
  }
}
