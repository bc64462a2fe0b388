import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from './concurrency-limit.ts';

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once, in arrival order, and frees the slot when a task fails', async () => {
    const limit = new ConcurrencyLimit(2);
    const releases: (() => void)[] = [];
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      limit.run(async () => {
        started.push(i);
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
        if (i === 1) throw new Error('task 1 failed');
        return i;
      }),
    );
    for (let step = 0; step < 5; step++) {
      await expect.poll(() => releases.length).toBe(step + 2 > 5 ? 5 : step + 2);
      releases[step]!();
    }
    const outcomes = await Promise.allSettled(tasks);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
  });
});
