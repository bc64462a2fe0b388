/** Modalities in their fixed order; `present` flags and attention weights follow it. */
export const MODALITIES = ['ehr', 'imaging', 'genomics'] as const;
export type Modality = (typeof MODALITIES)[number];

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
