import { describe, expect, it } from 'vitest';
import { binaryMetrics, rocAuc } from './metrics.ts';

describe('rocAuc', () => {
  it('counts tied scores as half a correct ordering', () => {
    // Pairs (pos, neg): (0.8 vs 0.2) 1, (0.8 vs 0.5) 1, (0.5 vs 0.2) 1, (0.5 vs 0.5) ½ → 3.5 / 4.
    expect(rocAuc([0.2, 0.5, 0.5, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.875, 12);
  });

  it('is 0.5 when every score ties', () => {
    expect(rocAuc([0.3, 0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0, 0])).toBe(0.5);
  });

  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(rocAuc([0.1, 0.2, 0.9], [0, 0, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.1], [0, 0, 1])).toBe(0);
  });

  it('is NaN when only one class is present', () => {
    expect(rocAuc([0.1, 0.7], [1, 1])).toBeNaN();
  });

  it('skips missing (NaN) labels rather than counting them as negatives', () => {
    expect(rocAuc([1, 2, 3], [0, Number.NaN, 1])).toBe(1);
    expect(rocAuc([3, 1, 2], [Number.NaN, 0, 1])).toBe(1);
  });
});

describe('binaryMetrics', () => {
  it('matches hand-computed precision, recall, F1 and accuracy, skipping missing labels', () => {
    // threshold 0.5 → predicted [1, 1, 0, 0, 1]; labels [1, 0, 1, 0, 1]; NaN row ignored.
    const m = binaryMetrics([0.9, 0.6, 0.4, 0.1, 0.7, 0.99], [1, 0, 1, 0, 1, Number.NaN]);
    expect(m.count).toBe(5);
    expect(m.positives).toBe(3);
    expect(m.precision).toBeCloseTo(2 / 3, 12); // tp 2, fp 1
    expect(m.recall).toBeCloseTo(2 / 3, 12); // fn 1
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(m.accuracy).toBeCloseTo(3 / 5, 12);
    expect(m.auc).toBeCloseTo(5 / 6, 12); // of 6 pos/neg pairs only 0.6 > 0.4 is misordered
  });

  it('defines precision, recall and F1 as 0 when there are no positives at all', () => {
    const m = binaryMetrics([0.1, 0.2, 0.3], [0, 0, 0]);
    expect(m).toMatchObject({ precision: 0, recall: 0, f1: 0, accuracy: 1, positives: 0 });
    expect(m.auc).toBeNaN();
  });
});
