import { describe, expect, it } from 'vitest';
import { MIN_TAIL_ROWS, safeBatchSize } from './batch-size.ts';

function tails(batchSize: number, counts: number[]): number[] {
  return counts.map((n) => (n <= batchSize ? n : n % batchSize)).filter((t) => t !== 0);
}

describe('safeBatchSize', () => {
  it('keeps the requested size when every split ends in a full or large enough batch', () => {
    expect(safeBatchSize(32, [64, 96 + 20, 10])).toBe(32);
  });

  it('moves to the nearest size that leaves no tiny last batch', () => {
    const counts = [241, 480, 397];
    const size = safeBatchSize(32, counts);
    expect(size).not.toBe(32); // 241 = 7·32 + 17 is fine but 480 = 15·32 and 397 = 12·32 + 13 is not
    expect(Math.abs(size - 32)).toBeLessThanOrEqual(8);
    for (const tail of tails(size, counts)) expect(tail).toBeGreaterThanOrEqual(MIN_TAIL_ROWS);
  });

  it('falls back to one batch per epoch for the largest split when nothing else fits', () => {
    expect(safeBatchSize(16, [17])).toBe(17);
  });
});
