import { describe, expect, it } from 'vitest';
import type { ParameterLayout } from '@fedfuse/strategy';
import { RoundSums } from './round-sums.service.ts';

const layout: ParameterLayout = [{ name: 'w', offset: 0, length: 3, group: 'ehr' }];
const base = Float32Array.from([1, 2, 3]);

function update(messageKey: string, step: number, roundId = 'r1') {
  const delta = Float32Array.from([step, step, step]);
  return { runId: 'run', roundId, messageKey, base, delta, layout, numExamples: 10 };
}

describe('RoundSums', () => {
  it('hands over the sum only when it holds exactly the messages aggregated', () => {
    const sums = new RoundSums();
    sums.add(update('a', 1));
    sums.add(update('b', 3));
    expect(Array.from(sums.take('run', 'r1', ['b', 'a'])!.mean())).toEqual([3, 4, 5]);

    const partial = new RoundSums();
    partial.add(update('a', 1));
    partial.add(update('b', 3));
    // The norm screen kept only `a`: the caller must rebuild from the stored deltas.
    expect(partial.take('run', 'r1', ['a'])).toBeUndefined();
  });

  it('adds a message once, and starts afresh for a new round of the run', () => {
    const sums = new RoundSums();
    sums.add(update('a', 1));
    sums.add(update('a', 1));
    sums.add(update('c', 5, 'r2'));
    expect(sums.take('run', 'r1', ['a'])).toBeUndefined();
    const again = new RoundSums();
    again.add(update('a', 1));
    again.add(update('a', 1));
    expect(again.take('run', 'r1', ['a'])!.added).toHaveLength(1);
  });

  it('drops additions that arrive after aggregation took the round', () => {
    const sums = new RoundSums();
    sums.add(update('a', 1));
    expect(sums.take('run', 'r1', ['a'])).toBeDefined();
    sums.add(update('late', 2));
    expect(sums.take('run', 'r1', ['late'])).toBeUndefined();
  });
});
