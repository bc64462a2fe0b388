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

  it('sums the next round into the memory of a sum handed back or discarded, zeroed', () => {
    const sums = new RoundSums();
    sums.add(update('a', 1));
    const first = sums.take('run', 'r1', ['a'])!;
    expect(Array.from(first.mean())).toEqual([2, 3, 4]);
    sums.recycle(first);
    sums.add(update('b', 3, 'r2'));
    expect(() => first.mean()).toThrow(/retired/); // its arrays went to round r2's sum
    const second = sums.take('run', 'r2', ['b'])!;
    expect(Array.from(second.mean())).toEqual([4, 5, 6]); // zeroed first: nothing of round r1 in it

    sums.recycle(second);
    sums.recycle(second); // twice: its arrays still go to one new sum only
    sums.add(update('c', 5, 'r3'));
    sums.add({ ...update('d', 7, 'r3'), runId: 'other' });
    expect(Array.from(sums.take('run', 'r3', ['c'])!.mean())).toEqual([6, 7, 8]);
    expect(Array.from(sums.take('other', 'r3', ['d'])!.mean())).toEqual([8, 9, 10]);

    sums.add(update('e', 1, 'r4'));
    sums.discard('run'); // a cancelled round: nobody took its sum
    sums.add(update('f', 2, 'r5'));
    expect(Array.from(sums.take('run', 'r5', ['f'])!.mean())).toEqual([3, 4, 5]);
  });

  it('drops additions that arrive after aggregation took the round', () => {
    const sums = new RoundSums();
    sums.add(update('a', 1));
    expect(sums.take('run', 'r1', ['a'])).toBeDefined();
    sums.add(update('late', 2));
    expect(sums.take('run', 'r1', ['late'])).toBeUndefined();
  });
});
