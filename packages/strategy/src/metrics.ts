import type { Metrics } from './strategy.ts';

/** Example-weighted mean of each metric over the results that report it (Flower's default aggregation). */
export function weightedMetrics(results: readonly { numExamples: number; metrics?: Metrics }[]): Metrics {
  const sums = new Map<string, { weighted: number; examples: number }>();
  for (const { numExamples, metrics } of results) {
    for (const [name, value] of Object.entries(metrics ?? {})) {
      if (!Number.isFinite(value)) continue;
      const sum = sums.get(name) ?? { weighted: 0, examples: 0 };
      sum.weighted += numExamples * value;
      sum.examples += numExamples;
      sums.set(name, sum);
    }
  }
  const aggregated: Metrics = {};
  for (const [name, { weighted, examples }] of sums) {
    if (examples > 0) aggregated[name] = weighted / examples;
  }
  return aggregated;
}

/** Example-weighted mean loss (Flower's `weighted_loss_avg`); undefined when no example was evaluated. */
export function weightedLoss(results: readonly { numExamples: number; loss: number }[]): number | undefined {
  let weighted = 0;
  let examples = 0;
  for (const { numExamples, loss } of results) {
    weighted += numExamples * loss;
    examples += numExamples;
  }
  return examples > 0 ? weighted / examples : undefined;
}
