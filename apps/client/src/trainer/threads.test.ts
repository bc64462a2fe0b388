import { describe, expect, it } from 'vitest';

import { parseThreads, resolveThreads } from './threads.ts';

describe('threads setting', () => {
  it('takes auto or a whole number, and auto means the cores', () => {
    expect(parseThreads('auto')).toBe('auto');
    expect(parseThreads('3')).toBe(3);
    expect(resolveThreads('auto', 6)).toBe(6);
    expect(resolveThreads(4, 6)).toBe(4);
    // More than the cores is allowed (the daemon warns).
    expect(resolveThreads(8, 2)).toBe(8);
  });

  it('refuses zero, negatives, fractions and words, naming the value', () => {
    expect(() => parseThreads('0')).toThrow('must be auto or a whole number of threads ≥ 1, got 0');
    expect(() => parseThreads('-2')).toThrow('got "-2"');
    expect(() => parseThreads('1.5')).toThrow('got "1.5"');
    expect(() => parseThreads('all')).toThrow('got "all"');
  });
});
