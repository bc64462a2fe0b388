import { describe, expect, it } from 'vitest';

import { binOf, scoreHistogram } from './histogram.ts';

describe(scoreHistogram.name, () => {
  it('counts positives and negatives per equal-width bin, 0 in the first bin and 1.0 in the last', () => {
    const scores = [0, 0.1, 0.25, 0.2499, 0.5, 0.74, 0.75, 0.99, 1, 1, 0.3];
    const labels = [1, 0, 1, 0, 0, 1, 1, 0, 1, 0, Number.NaN];
    // bins of width 0.25: [0, .25) [.25, .5) [.5, .75) [.75, 1]
    expect(scoreHistogram({ scores, labels, bins: 4 })).toEqual({
      bins: 4,
      positives: [1, 1, 1, 2],
      negatives: [2, 0, 1, 2],
    });
  });

  it('skips missing labels, so the counts add up to the labelled examples', () => {
    const h = scoreHistogram({ scores: [0.3, 0.6, 0.9], labels: [Number.NaN, 1, Number.NaN], bins: 10 });
    expect(h.positives.reduce((a, b) => a + b) + h.negatives.reduce((a, b) => a + b)).toBe(1);
    expect(h.positives[6]).toBe(1);
  });

  it('puts bin edges in the upper bin and clamps scores a hair outside [0, 1]', () => {
    expect(binOf(0.5, 2)).toBe(1);
    expect(binOf(0.1, 10)).toBe(1);
    expect(binOf(-1e-9, 5)).toBe(0);
    expect(binOf(1 + 1e-9, 5)).toBe(4);
  });

  it('refuses non-finite scores and mismatched lengths', () => {
    expect(() => scoreHistogram({ scores: [Number.NaN], labels: [1], bins: 2 })).toThrow(/finite/);
    expect(() => scoreHistogram({ scores: [0.1, 0.2], labels: [1], bins: 2 })).toThrow(
      /2 scores but 1 labels/,
    );
  });
});
