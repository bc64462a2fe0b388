import { describe, expect, it } from 'vitest';

import type { TaskEvaluation } from './pooled-metrics.ts';
import { histogramAuc, poolEvaluations } from './pooled-metrics.ts';

function site(o: {
  positives: number[];
  negatives: number[];
  metrics: Record<string, number>;
  extraTask?: string;
}): { tasks: Record<string, TaskEvaluation> } {
  const numExamples = [...o.positives, ...o.negatives].reduce((a, b) => a + b, 0);
  return {
    tasks: Object.fromEntries(
      ['cancer', ...(o.extraTask ? [o.extraTask] : [])].map((task) => [
        task,
        {
          numExamples,
          metrics: o.metrics,
          histogram: { bins: o.positives.length, positives: o.positives, negatives: o.negatives },
        },
      ]),
    ),
  };
}

describe(poolEvaluations.name, () => {
  it("pools the AUC from summed histograms and example-weights the sites' own metrics, their AUCs as siteAuc", () => {
    const pooled = poolEvaluations([
      site({ positives: [0, 3], negatives: [1, 0], metrics: { auc: 1, f1: 1, 'ablation.ehr.auc': 0.5 } }),
      site({
        positives: [2, 2],
        negatives: [2, 6],
        metrics: { auc: 0.5, f1: 0.25, 'ablation.ehr.auc': 0.75 },
      }),
    ]).cancer!;
    expect(pooled.auc).toBeCloseTo(histogramAuc([2, 5], [3, 6]), 12);
    expect(pooled.numExamples).toBe(16);
    expect(pooled.siteAuc).toBeCloseTo((1 * 4 + 0.5 * 12) / 16, 12);
    expect(pooled.f1).toBeCloseTo((1 * 4 + 0.25 * 12) / 16, 12);
    expect(pooled['ablation.ehr.auc']).toBeCloseTo((0.5 * 4 + 0.75 * 12) / 16, 12);
  });

  it('takes the bins and tasks from the round: a site with other bins or an extra task drops only itself', () => {
    const honest = [
      site({ positives: [0, 3], negatives: [1, 0], metrics: {} }),
      site({ positives: [2, 2], negatives: [2, 6], metrics: {} }),
    ];
    // Sorted first and with 3 bins, as the attacker of F4 was: it used to set the bins for everyone.
    const odd = site({ positives: [0, 0, 9], negatives: [9, 0, 0], metrics: {}, extraTask: 'evil' });
    const pooled = poolEvaluations([odd, ...honest], { bins: 2, tasks: ['cancer'] });
    expect(Object.keys(pooled)).toEqual(['cancer']);
    expect(pooled.cancer!.numExamples).toBe(16);
    expect(pooled.cancer!.auc).toBeCloseTo(histogramAuc([2, 5], [3, 6]), 12);
    // Without the round's word, the bins most sites used win, not the first site's.
    expect(poolEvaluations([odd, ...honest]).cancer!.numExamples).toBe(16);
  });
});
