import { describe, expect, it } from 'vitest';
import { scoreHistogram } from '@fedfuse/client/histogram';
import { histogramAuc, poolEvaluations } from '@fedfuse/strategy';
import { exactAuc, seededNormal } from './scores.ts';

/** Three sites' scores and labels, as each site's histogram and as one pooled list. */
function federation(o: { bins: number; scores: number[][]; labels: number[][] }) {
  const sites = o.scores.map((scores, s) => {
    const histogram = scoreHistogram({ scores, labels: o.labels[s]!, bins: o.bins });
    const numExamples = scores.length;
    return { tasks: { cancer: { numExamples, metrics: {}, histogram } } };
  });
  return {
    pooledAuc: poolEvaluations(sites).cancer!.auc,
    exact: exactAuc(o.scores.flat(), o.labels.flat()),
  };
}

describe('the pooled AUC of the sites’ histograms', () => {
  it('equals the exact AUC of the pooled scores when no two different scores share a bin', () => {
    // Scores on the 1000-bin grid, ties across sites included: the histogram loses nothing.
    const grid = (k: number) => (k + 0.5) / 1000;
    const scores = [
      [0.1, 0.35, 0.35, 0.7, 0.92].map((x) => grid(Math.round(x * 1000))),
      [0.05, 0.35, 0.5, 0.66, 0.99].map((x) => grid(Math.round(x * 1000))),
      [0.2, 0.7, 0.71, 0.8].map((x) => grid(Math.round(x * 1000))),
    ];
    const labels = [
      [0, 1, 0, 1, 1],
      [0, 0, 1, 1, 0],
      [1, 0, 1, 1],
    ];
    const { pooledAuc, exact } = federation({ bins: 1000, scores, labels });
    expect(exact).not.toBe(1);
    expect(pooledAuc).toBeCloseTo(exact, 12);
  });

  it('stays within its tie bound of the exact AUC on continuous scores, and 1000 bins shrink the error', () => {
    const normal = seededNormal(12);
    const labels = [0, 1, 2].map(() => Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? 1 : 0)));
    const scores = labels.map((site) =>
      site.map((y) => 1 / (1 + Math.exp(-(1.5 * normal() + (y ? 1 : -1))))),
    );
    const errors = [100, 1000].map((bins) => {
      const { pooledAuc, exact } = federation({ bins, scores, labels });
      // Pairs sharing a bin count half: the error is at most half their share of all pairs.
      const h = scoreHistogram({ scores: scores.flat(), labels: labels.flat(), bins });
      const positives = h.positives.reduce((a, b) => a + b);
      const negatives = h.negatives.reduce((a, b) => a + b);
      const tied = h.positives.reduce((s, p, b) => s + p * h.negatives[b]!, 0);
      expect(pooledAuc).toBeCloseTo(histogramAuc(h.positives, h.negatives), 12);
      const error = Math.abs(pooledAuc - exact);
      expect(error).toBeLessThanOrEqual(tied / (2 * positives * negatives) + 1e-12);
      return error;
    });
    expect(errors[1]).toBeLessThan(5e-4);
    expect(errors[1]).toBeLessThan(errors[0]!);
  });
});
