import { setTimeout as delay } from 'node:timers/promises';

/** Exponential delays: initial, doubled after each use, capped; reset after a success. */
export class Backoff {
  private current: number;

  constructor(private readonly options: { initialMs: number; maxMs: number }) {
    this.current = options.initialMs;
  }

  /** The delay to wait now; the next one doubles (up to the cap). */
  next(): number {
    const ms = Math.min(this.current, this.options.maxMs);
    this.current = Math.min(this.current * 2, this.options.maxMs);
    return ms;
  }

  /** Start again from the initial delay. */
  reset(): void {
    this.current = this.options.initialMs;
  }
}

/** Wait `ms`; resolves false instead when `signal` aborts first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
