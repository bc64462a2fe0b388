import { SYNTHETIC_TASKS } from './options.ts';
import { NUISANCE_FACTORS, viewIndex } from './latent.ts';
import { Rng } from './rng.ts';

/** One gene's expression model on the log1p scale: mean + sd·(loading·factor + √(1−loading²)·ε). */
export interface GeneModel {
  name: string;
  mean: number;
  sd: number;
  /** Index into the genomics view (task factors, then nuisance programmes); -1 for noise genes. */
  factor: number;
  loading: number;
}

/**
 * The gene set: `moduleSize` genes for each task's shared and specific factor (six label
 * modules), `moduleSize` genes for four label-free co-expression programmes, the rest
 * independent noise. Module membership is scattered across gene names, so nothing in the
 * file says which genes are informative.
 */
export function geneModels(o: { seed: number; genes: number; moduleSize: number }): GeneModel[] {
  const rng = Rng.derive(o.seed, 'genes');
  const factors: number[] = [];
  for (const task of SYNTHETIC_TASKS)
    for (const kind of ['s', 'u'] as const) factors.push(viewIndex(task, kind));
  for (let k = 0; k < 4; k++) factors.push(6 + (k % NUISANCE_FACTORS));
  const assignment = new Int32Array(o.genes).fill(-1);
  const order = rng.shuffle(Array.from({ length: o.genes }, (_, i) => i));
  factors.forEach((f, k) => {
    for (let j = 0; j < o.moduleSize; j++) assignment[order[k * o.moduleSize + j] as number] = f;
  });
  const width = String(o.genes).length;
  return Array.from({ length: o.genes }, (_, g) => {
    const factor = assignment[g] as number;
    return {
      name: `G${String(g + 1).padStart(width, '0')}`,
      mean: rng.between(0.5, 5),
      sd: rng.between(0.3, 0.9),
      factor,
      loading: factor === -1 ? 0 : rng.between(0.55, 0.85) * (rng.bernoulli(0.5) ? 1 : -1),
    };
  });
}

/** A site's batch effect: a small shift per gene on the log1p scale. */
export function batchShifts(o: {
  seed: number;
  site: number;
  genes: readonly GeneModel[];
  strength: number;
}): Float64Array {
  const rng = Rng.derive(o.seed, 'site', o.site, 'batch-effect');
  return Float64Array.from(o.genes, (g) => 0.15 * o.strength * g.sd * rng.normal());
}

/** One expression value as written (a non-negative count-like number with 2 decimals). */
export function expressionCell(o: { gene: GeneModel; view: Float64Array; shift: number; rng: Rng }): string {
  const { gene } = o;
  const signal = gene.factor === -1 ? 0 : gene.loading * (o.view[gene.factor] as number);
  const z = signal + Math.sqrt(1 - gene.loading * gene.loading) * o.rng.normal();
  const value = Math.expm1(gene.mean + o.shift + gene.sd * z);
  return (value < 0 ? 0 : value).toFixed(2);
}
