import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FailedSignIns } from './failed-sign-ins.ts';
import { FailedSignInFolder } from './failed-sign-ins.ts';
import { systemClock } from './clock.ts';

describe('FailedSignInFolder', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands each address one tally when its window ends', async () => {
    vi.useFakeTimers();
    const flushed: FailedSignIns[] = [];
    const folder = new FailedSignInFolder((tally) => Promise.resolve(void flushed.push(tally)), systemClock);
    for (let i = 0; i < 5; i++) folder.note({ address: '10.0.0.1', throttled: i >= 3, windowLeftMs: 1000 });
    expect(flushed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(flushed).toEqual([expect.objectContaining({ address: '10.0.0.1', refused: 5, throttled: 2 })]);
  });

  it('keeps memory bounded: past its limit new addresses share one tally', async () => {
    vi.useFakeTimers();
    const flushed: FailedSignIns[] = [];
    const folder = new FailedSignInFolder(
      (tally) => Promise.resolve(void flushed.push(tally)),
      systemClock,
      3,
    );
    for (let i = 0; i < 10; i++)
      folder.note({ address: `10.0.0.${i}`, throttled: false, windowLeftMs: 1000 });
    await folder.flushAll();
    expect(flushed).toHaveLength(4);
    expect(flushed.find((t) => t.address === '(many addresses)')?.refused).toBe(7);
  });

  it('stamps each tally with the injected clock, not the wall clock', async () => {
    let now = Date.UTC(2001, 0, 1);
    const flushed: FailedSignIns[] = [];
    const folder = new FailedSignInFolder((tally) => Promise.resolve(void flushed.push(tally)), {
      now: () => now,
    });
    folder.note({ address: '10.0.0.1', throttled: false, windowLeftMs: 60_000 });
    now += 2_500;
    folder.note({ address: '10.0.0.1', throttled: false, windowLeftMs: 57_500 });
    await folder.flushAll();
    expect(flushed).toEqual([
      expect.objectContaining({ firstAt: Date.UTC(2001, 0, 1), lastAt: Date.UTC(2001, 0, 1) + 2_500 }),
    ]);
  });
});
