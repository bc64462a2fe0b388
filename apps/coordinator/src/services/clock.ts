/**
 * Time and timers for the round machinery, behind the CLOCK token. The system clock reads the globals at
 * call time, so `vi.useFakeTimers()` drives it; a unit test may also pass its own.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `tick` every `ms` until the returned timer is cleared (a Node timer, as SchedulerRegistry keeps). */
  every(ms: number, tick: () => void): ReturnType<typeof setInterval>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  every: (ms, tick) => setInterval(tick, ms),
};
