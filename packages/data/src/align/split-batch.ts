import type { EhrRecord, EhrSchema } from '../loaders/ehr-schema.ts';
import type { ModelBatch } from '@fedfuse/model/spec';

/** Row widths of each batch array. */
export interface BatchDims {
  ehr: number;
  image: number;
  genomics: number;
  tasks: number;
}

/** Allocates a zeroed batch for n patients; labels start as NaN (missing). */
export function allocateBatch(n: number, dims: BatchDims): ModelBatch {
  return {
    n,
    ehr: new Float32Array(n * dims.ehr),
    image: new Float32Array(n * dims.image),
    genomics: new Float32Array(n * dims.genomics),
    present: new Uint8Array(n * 3),
    labels: new Float32Array(n * dims.tasks).fill(Number.NaN),
  };
}

/**
 * Writes one patient's raw EHR record into its row: raw numeric values (0 where missing),
 * one-hot levels, then a 1 in the indicator column of each missing numeric value.
 * Standardization happens later, once the statistics are known.
 */
export function writeEhrRow(options: {
  dst: Float32Array;
  row: number;
  schema: EhrSchema;
  record: EhrRecord;
}): void {
  const { dst, schema, record } = options;
  const numeric = schema.numeric.length;
  const width = 2 * numeric + schema.categorical.reduce((s, c) => s + c.levels.length, 0);
  const base = options.row * width;
  const indicators = base + width - numeric;
  for (let j = 0; j < numeric; j++) {
    const v = record.numeric[j] as number;
    if (Number.isNaN(v)) dst[indicators + j] = 1;
    else dst[base + j] = v;
  }
  let at = base + numeric;
  schema.categorical.forEach((c, j) => {
    const level = record.categorical[j] as number;
    if (level >= 0) dst[at + level] = 1;
    at += c.levels.length;
  });
}

/**
 * Removes rows whose every modality was rejected after the batch was laid out (an image or
 * expression row that failed to decode), moving later rows down in place.
 */
export function compactBatch(options: { batch: ModelBatch; ids: string[]; dims: BatchDims }): {
  batch: ModelBatch;
  ids: string[];
  dropped: string[];
} {
  const { batch, ids, dims } = options;
  const keep: number[] = [];
  const dropped: string[] = [];
  for (let i = 0; i < batch.n; i++) {
    const p = batch.present;
    if (p[i * 3] || p[i * 3 + 1] || p[i * 3 + 2]) keep.push(i);
    else dropped.push(ids[i] ?? '');
  }
  if (dropped.length === 0) return { batch, ids, dropped };
  const move = <T extends Float32Array | Uint8Array>(a: T, w: number): T => {
    keep.forEach((from, to) => {
      if (from !== to) a.copyWithin(to * w, from * w, (from + 1) * w);
    });
    return a.subarray(0, keep.length * w) as T;
  };
  return {
    batch: {
      n: keep.length,
      ehr: move(batch.ehr, dims.ehr),
      image: move(batch.image, dims.image),
      genomics: move(batch.genomics, dims.genomics),
      present: move(batch.present, 3),
      labels: move(batch.labels, dims.tasks),
    },
    ids: keep.map((i) => ids[i] ?? ''),
    dropped,
  };
}
