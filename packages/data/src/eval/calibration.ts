import type { SiteData } from '../align/site-data.ts';
import { rocAuc } from '@fedfuse/model/spec';
import { blockWidths, buildDesign, standardizeColumns, type FeatureSet } from './feature-sets.ts';
import { fitLogistic, predictLogits } from './logistic-regression.ts';

/** Test AUC per task of a logistic regression on one feature set. */
export interface CalibrationRow {
  set: FeatureSet;
  train: number;
  test: number;
  /** AUC over the pooled test splits. */
  auc: Record<string, number>;
  /** Mean of the per-site test AUCs: discrimination within a hospital, free of base-rate differences. */
  siteAuc: Record<string, number>;
}

/** Options for {@link calibrate}. */
export interface CalibrateOptions {
  /** Sites whose train splits are pooled for fitting and test splits for evaluation. */
  sites: SiteData[];
  sets?: FeatureSet[];
  steps?: number;
}

/**
 * Group ridge penalties: thousands of genes need far stronger shrinkage than 32 EHR columns,
 * and one shared penalty would either drown the EHR signal or let the genes overfit.
 */
const BLOCK_L2 = { ehr: 0.05, imaging: 0.1, genomics: 2 } as const;

function blockPenalties(site: SiteData, set: FeatureSet): Float64Array {
  const blocks = blockWidths(site).filter((b) => set === 'all' || b.set === set);
  return Float64Array.from(blocks.flatMap((b) => new Array<number>(b.width).fill(BLOCK_L2[b.set])));
}

/**
 * Fits a logistic regression on the pooled train splits for each feature set and reports
 * its per-task AUC on the pooled test splits: the yardstick the generator is calibrated to.
 */
export function calibrate(o: CalibrateOptions): CalibrationRow[] {
  const tasks = o.sites[0]?.tasks ?? [];
  return (o.sets ?? ['ehr', 'imaging', 'genomics', 'all']).map((set) => {
    const train = buildDesign({ sites: o.sites, split: 'train', set });
    const test = buildDesign({ sites: o.sites, split: 'test', set });
    standardizeColumns([train.design, test.design]);
    const l2 = blockPenalties(o.sites[0] as SiteData, set);
    const model = fitLogistic(train.design, { y: train.y, tasks: tasks.length, l2, steps: o.steps ?? 100 });
    const logits = predictLogits(model, test.design);
    const T = tasks.length;
    const aucOf = (rows: number[], t: number): number =>
      rocAuc(
        rows.map((i) => logits[i * T + t] as number),
        rows.map((i) => test.y[i * T + t] as number),
      );
    const all = Array.from({ length: test.design.n }, (_, i) => i);
    const bySite = o.sites.map((_, k) => all.filter((i) => test.site[i] === k));
    const auc = Object.fromEntries(tasks.map((task, t) => [task, aucOf(all, t)]));
    const siteAuc = Object.fromEntries(
      tasks.map((task, t) => {
        const values = bySite.map((rows) => aucOf(rows, t)).filter((v) => !Number.isNaN(v));
        return [task, values.reduce((a, b) => a + b, 0) / values.length];
      }),
    );
    return { set, train: train.design.n, test: test.design.n, auc, siteAuc };
  });
}
