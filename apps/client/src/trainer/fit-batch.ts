import type { ModelBatch } from '@fedfuse/model';
import { MODEL_MODALITIES, type ModelModality } from '@fedfuse/protocol';

import { specModalities, type SpecShape } from '../fl/spec-fit.ts';

/** Row widths of a batch as the data package produced it. */
export interface BatchWidths {
  tasks: readonly string[];
  ehrDim: number;
  genomicsDim: number;
  /** height × width × channels of each image row. */
  imageSize: number;
}

/**
 * The batch reshaped to a run's model: labels reordered to the spec's tasks (NaN for tasks the site does not
 * label), zero-filled inputs for a modality the model has but no row has, and an empty placeholder for a
 * modality the model leaves out. Throws when a modality that is present has another width, which no
 * reshaping can fix (checkSpecFit explains it to the coordinator first).
 */
export function fitBatch(batch: ModelBatch, options: { widths: BatchWidths; spec: SpecShape }): ModelBatch {
  const { widths, spec } = options;
  const [h, w, c] = spec.imageShape;
  const modalities = specModalities(spec);
  const fit = (modality: ModelModality, values: Float32Array, size: { from: number; to: number }) =>
    modalities.includes(modality)
      ? input({ batch, modality: MODEL_MODALITIES.indexOf(modality), values, ...size })
      : new Float32Array(0);
  return {
    n: batch.n,
    ehr: fit('ehr', batch.ehr, { from: widths.ehrDim, to: spec.ehrDim }),
    image: fit('imaging', batch.image, { from: widths.imageSize, to: h * w * c }),
    genomics: fit('genomics', batch.genomics, { from: widths.genomicsDim, to: spec.genomicsDim }),
    present: batch.present,
    labels: remapLabels({ labels: batch.labels, n: batch.n, from: widths.tasks, to: spec.tasks }),
  };
}

const NAMES = ['EHR', 'imaging', 'genomics'];

function input(o: {
  batch: ModelBatch;
  modality: number;
  values: Float32Array;
  from: number;
  to: number;
}): Float32Array {
  if (o.from === o.to) return o.values;
  const used = o.batch.present.some((v, i) => i % 3 === o.modality && v === 1);
  if (used) {
    throw new Error(`${NAMES[o.modality]} rows have ${o.from} values but the model expects ${o.to}`);
  }
  return new Float32Array(o.batch.n * o.to);
}

/** Labels in the column order of `to`; a task the site does not label is NaN (missing) for every row. */
export function remapLabels(o: {
  labels: Float32Array;
  n: number;
  from: readonly string[];
  to: readonly string[];
}): Float32Array {
  if (o.from.length === o.to.length && o.from.every((t, i) => t === o.to[i])) return o.labels;
  const out = new Float32Array(o.n * o.to.length).fill(Number.NaN);
  o.to.forEach((task, j) => {
    const k = o.from.indexOf(task);
    if (k < 0) return;
    for (let r = 0; r < o.n; r++) out[r * o.to.length + j] = o.labels[r * o.from.length + k]!;
  });
  return out;
}

/** Patients per presence combination, keyed by present modalities joined with '.' (ehr, imaging, genomics). */
export function presenceCombinations(
  batches: readonly Pick<ModelBatch, 'n' | 'present'>[],
): Record<string, number> {
  const keys = [
    'ehr.imaging.genomics',
    'ehr.imaging',
    'ehr.genomics',
    'imaging.genomics',
    'ehr',
    'imaging',
    'genomics',
  ];
  const counts: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const batch of batches) {
    for (let r = 0; r < batch.n; r++) {
      const names = ['ehr', 'imaging', 'genomics'].filter((_, m) => batch.present[r * 3 + m] === 1);
      if (names.length === 0) continue;
      const key = names.join('.');
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}
