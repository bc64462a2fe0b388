import { describe, expect, it } from 'vitest';
import { rocAuc } from './auc.ts';

describe('rocAuc', () => {
  it('is 1 for perfect ranking, 0 for reversed, 0.5 for all ties', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([4, 3, 2, 1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([5, 5, 5, 5], [0, 1, 0, 1])).toBe(0.5);
  });

  it('skips missing labels and returns NaN without both classes', () => {
    expect(rocAuc([1, 2, 3], [0, Number.NaN, 1])).toBe(1);
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
  });
});
