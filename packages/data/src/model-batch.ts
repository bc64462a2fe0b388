// Mirror of the model's input contract (packages/model/src/batch.ts). The data package
// must not depend on tfjs at run time, and the model package's index is still being
// written; model-batch.test.ts checks both shapes stay structurally identical.

/** Modalities in their fixed order; `present` flags follow it. */
export const MODALITIES = ['ehr', 'imaging', 'genomics'] as const;
/** One of the three modalities. */
export type Modality = (typeof MODALITIES)[number];

/** A split's aligned examples in row-major flat arrays, structurally the model's `ModelBatch`. */
export interface ModelBatch {
  n: number;
  /** n × ehrDim, standardized, with missingness indicators already appended. */
  ehr: Float32Array;
  /** n × height × width × channels (NHWC), scaled to about [0, 1]. */
  image: Float32Array;
  /** n × genomicsDim, log1p then standardized, in the panel's gene order. */
  genomics: Float32Array;
  /** n × 3 flags (ehr, imaging, genomics): 1 present, 0 absent. */
  present: Uint8Array;
  /** n × tasks, 0 or 1, NaN where the label is missing. */
  labels: Float32Array;
}
