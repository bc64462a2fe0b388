import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Folded } from './refusal-folder.ts';
import { RefusalFolder } from './refusal-folder.ts';

describe('RefusalFolder', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes the first of a key on at once and the repeats as one counted event when the window closes', async () => {
    vi.useFakeTimers();
    const seen: Folded<string>[] = [];
    const folder = new RefusalFolder<string>({ windowMs: 1_000, emit: (event) => void seen.push(event) });
    for (let i = 0; i < 300; i++) await folder.note('a', `a${i}`);
    await folder.note('b', 'b0');
    expect(seen).toEqual([
      { sample: 'a0', count: 1, repeats: false },
      { sample: 'b0', count: 1, repeats: false },
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen.slice(2)).toEqual([{ sample: 'a0', count: 299, repeats: true }]);
    // A new window starts afresh.
    await folder.note('a', 'a300');
    expect(seen.at(-1)).toEqual({ sample: 'a300', count: 1, repeats: false });
  });

  it('folds keys beyond its cap into one overflow key, and flushes everything on demand', async () => {
    const seen: Folded<number>[] = [];
    const folder = new RefusalFolder<number>({
      windowMs: 60_000,
      maxKeys: 2,
      emit: (event) => void seen.push(event),
      overflow: () => -1,
    });
    for (let i = 0; i < 10; i++) await folder.note(`key${i}`, i);
    expect(seen.map((e) => e.sample)).toEqual([0, 1, -1]);
    await folder.flushAll();
    expect(seen.slice(3)).toEqual([{ sample: -1, count: 7, repeats: true }]);
  });
});
