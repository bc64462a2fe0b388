import type { ModelModality, ModelSpec } from '@fedfuse/protocol';
import { MODEL_MODALITIES } from '@fedfuse/protocol';

/** The shape of a site's loaded data, as the model's inputs see it. */
export interface DataShape {
  tasks: readonly string[];
  ehrDim: number;
  genomicsDim: number;
  imageShape: readonly [number, number, number];
  /** Patients holding each modality (0: the site has none, so that input can be zero-filled). */
  modalityCounts: { ehr: number; imaging: number; genomics: number };
}

/** Whether a run's model can train on this site's data: an error, or notes for the log. */
export interface SpecFit {
  error?: string;
  warnings: string[];
}

/** The spec's shape as the site sees it; `modalities` defaults to all three (older specs). */
export type SpecShape = Pick<ModelSpec, 'tasks' | 'ehrDim' | 'genomicsDim' | 'imageShape'> & {
  modalities?: readonly ModelModality[];
};

/** The modalities a spec's model has. */
export function specModalities(spec: SpecShape): readonly ModelModality[] {
  return spec.modalities ?? MODEL_MODALITIES;
}

/**
 * Check a ModelSpec against the site's data. A modality the model leaves out is not read at all; one the
 * model has but the site does not is zero-filled (its patients are flagged absent anyway); images are
 * re-read at the spec's size; feature counts that differ for a modality the site has cannot be fixed
 * here and are an error naming what to change.
 */
export function checkSpecFit(spec: SpecShape, data: DataShape): SpecFit {
  const warnings: string[] = [];
  const modalities = specModalities(spec);
  if (modalities.every((m) => data.modalityCounts[m] === 0)) {
    return {
      error: `modelSpec.modalities: the run's model reads ${modalities.join(', ')} but this site has none of them`,
      warnings,
    };
  }
  const dims = [
    {
      key: 'ehrDim',
      modality: 'ehr',
      what: 'EHR features',
      local: data.ehrDim,
      count: data.modalityCounts.ehr,
      fix: 'ehr numeric/categorical lists',
    },
    {
      key: 'genomicsDim',
      modality: 'genomics',
      what: 'genes',
      local: data.genomicsDim,
      count: data.modalityCounts.genomics,
      fix: 'genomics panel',
    },
  ] as const;
  for (const d of dims) {
    if (!modalities.includes(d.modality)) continue;
    const wanted = spec[d.key];
    if (wanted === d.local) continue;
    if (d.count > 0) {
      return {
        error: `modelSpec.${d.key}: the run's model expects ${wanted} ${d.what} but this site's data has ${d.local}; align the site config's ${d.fix} with the federation's`,
        warnings,
      };
    }
    warnings.push(
      `the site has no ${d.what}; the model's ${wanted} inputs are zero-filled (patients flagged absent)`,
    );
  }
  const readsImages = modalities.includes('imaging') && data.modalityCounts.imaging > 0;
  if (readsImages && spec.imageShape.join('x') !== data.imageShape.join('x')) {
    warnings.push(
      `images are re-read at the run's size ${spec.imageShape.join('×')} (site config says ${data.imageShape.join('×')})`,
    );
  }
  const missing = spec.tasks.filter((t) => !data.tasks.includes(t));
  if (missing.length === spec.tasks.length) {
    return {
      error: `modelSpec.tasks: the run trains ${spec.tasks.join(', ')} but this site labels only ${data.tasks.join(', ')}`,
      warnings,
    };
  }
  if (missing.length > 0)
    warnings.push(`the site has no labels for ${missing.join(', ')}; those heads are not trained here`);
  return { warnings };
}

/** Why an evaluation cannot report `tasks` for a model of `spec`, or undefined. */
export function checkEvaluateTasks(
  spec: Pick<ModelSpec, 'tasks'>,
  tasks: readonly string[],
): string | undefined {
  const unknown = tasks.filter((t) => !spec.tasks.includes(t));
  if (unknown.length === 0) return undefined;
  return `config.tasks: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not among the model's tasks (${spec.tasks.join(', ')})`;
}
