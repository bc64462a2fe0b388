import type { EvaluateRes } from '@fedfuse/protocol';
import { describe, expect, it } from 'vitest';

import { histogramAuc, poolEvaluations } from './pooled-metrics.ts';

function site(o: { positives: number[]; negatives: number[]; metrics: Record<string, number> }): EvaluateRes {
  const numExamples = [...o.positives, ...o.negatives].reduce((a, b) => a + b, 0);
  return {
    runId: '00000000-0000-4000-8000-000000000001',
    roundId: '00000000-0000-4000-8000-000000000002',
    numExamples,
    tasks: {
      cancer: {
        numExamples,
        metrics: o.metrics,
        histogram: { bins: 2, positives: o.positives, negatives: o.negatives },
      },
    },
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
});
