/** One site's evaluation of one task: its metrics and score histogram (the protocol's TaskEvaluation). */
export interface TaskEvaluation {
  numExamples: number;
  metrics: Readonly<Record<string, number>>;
  histogram: { bins: number; positives: readonly number[]; negatives: readonly number[] };
}

/** Which tasks and bin count a round asked for; the parts that do not fit are left out. */
export interface EvaluationAsked {
  bins?: number;
  tasks?: readonly string[];
}

export interface PooledTaskMetrics {
  /** AUC of the pooled score histograms (ties within a bin count half). */
  auc: number;
  numExamples: number;
  /**
   * Example-weighted means of the sites' own metrics (f1, precision, recall, accuracy, attention.*,
   * ablation.*); the sites' own AUCs average into `siteAuc`, the same estimator as `ablation.*.auc`.
   */
  [metric: string]: number;
}

/** AUC from per-bin positive and negative counts: P(score⁺ > score⁻) + ½·P(same bin). */
export function histogramAuc(positives: readonly number[], negatives: readonly number[]): number {
  const totalPositives = positives.reduce((a, b) => a + b, 0);
  const totalNegatives = negatives.reduce((a, b) => a + b, 0);
  if (totalPositives === 0 || totalNegatives === 0) return Number.NaN;
  let negativesBelow = 0;
  let concordant = 0;
  for (let bin = 0; bin < positives.length; bin++) {
    concordant += positives[bin]! * (negativesBelow + negatives[bin]! / 2);
    negativesBelow += negatives[bin]!;
  }
  return concordant / (totalPositives * totalNegatives);
}

/**
 * Per task: the AUC of all sites' histograms added up, and example-weighted means of their metrics. The
 * bin count and tasks are the round's (`asked`), never one site's: a part that does not fit them is left
 * out on its own and takes no other site with it (F4).
 */
export function poolEvaluations(
  results: readonly { tasks: Readonly<Record<string, TaskEvaluation>> }[],
  asked: EvaluationAsked = {},
): Record<string, PooledTaskMetrics> {
  const pooled: Record<string, PooledTaskMetrics> = {};
  const tasks = asked.tasks ?? [...new Set(results.flatMap((r) => Object.keys(r.tasks)))];
  for (const task of tasks) {
    const all = results.flatMap((r) => (r.tasks[task] ? [r.tasks[task]] : []));
    const bins = asked.bins ?? mostCommon(all.map((p) => p.histogram.bins));
    const parts = all.filter((p) => p.histogram.bins === bins);
    if (bins === undefined || parts.length === 0) continue;
    pooled[task] = poolTask(parts, bins);
  }
  return pooled;
}

function poolTask(parts: readonly TaskEvaluation[], bins: number): PooledTaskMetrics {
  const positives = new Array<number>(bins).fill(0);
  const negatives = new Array<number>(bins).fill(0);
  const sums: Record<string, number> = {};
  let examples = 0;
  for (const part of parts) {
    part.histogram.positives.forEach((v, i) => (positives[i]! += v));
    part.histogram.negatives.forEach((v, i) => (negatives[i]! += v));
    examples += part.numExamples;
    for (const [name, value] of Object.entries(part.metrics)) {
      const key = name === 'auc' ? 'siteAuc' : name;
      if (Number.isFinite(value)) sums[key] = (sums[key] ?? 0) + value * part.numExamples;
    }
  }
  const means = Object.fromEntries(
    Object.entries(sums).map(([k, v]) => [k, examples > 0 ? v / examples : Number.NaN]),
  );
  return { ...means, auc: histogramAuc(positives, negatives), numExamples: examples };
}

/** The most frequent value (the smallest of equally frequent ones), or undefined for none. */
function mostCommon(values: readonly number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: number | undefined;
  for (const [v, n] of counts)
    if (best === undefined || n > counts.get(best)! || (n === counts.get(best)! && v < best)) best = v;
  return best;
}
