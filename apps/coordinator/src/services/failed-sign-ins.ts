import type { Clock } from './clock.ts';

/** Refused operator sign-ins from one address within one limiter window, folded into one audit entry. */
export interface FailedSignIns {
  address: string;
  /** Every refused attempt: wrong or missing tokens, and attempts refused unchecked while throttled. */
  refused: number;
  /** Of those, refused because the address was over its limit. */
  throttled: number;
  firstAt: number;
  lastAt: number;
}

/**
 * Counts refusals per address and hands each address's tally to `flush` once, when its window ends (or at
 * `flushAll`, on shutdown), so a flood of 1,500 wrong tokens is one audit entry with a count.
 */
export class FailedSignInFolder {
  private readonly open = new Map<string, { tally: FailedSignIns; timer: NodeJS.Timeout }>();

  constructor(
    private readonly flush: (tally: FailedSignIns) => Promise<void>,
    private readonly clock: Pick<Clock, 'now'>,
    /** Past this many addresses in open windows, new ones share one tally: memory stays bounded. */
    private readonly maxAddresses = 10_000,
  ) {}

  /**
   * Records one refusal; returns the tally so far. `windowLeftMs` is when this address's window ends: a
   * plain timer (the Clock offers only intervals), which `vi.useFakeTimers()` drives in tests.
   */
  note(args: { address: string; throttled: boolean; windowLeftMs: number }): FailedSignIns {
    const now = this.clock.now();
    const crowded = this.open.size >= this.maxAddresses && !this.open.has(args.address);
    if (crowded) args = { ...args, address: '(many addresses)' };
    let entry = this.open.get(args.address);
    if (!entry) {
      const tally = { address: args.address, refused: 0, throttled: 0, firstAt: now, lastAt: now };
      const timer = setTimeout(() => void this.close(args.address), Math.max(args.windowLeftMs, 1));
      timer.unref();
      entry = { tally, timer };
      this.open.set(args.address, entry);
    }
    entry.tally.refused++;
    if (args.throttled) entry.tally.throttled++;
    entry.tally.lastAt = now;
    return entry.tally;
  }

  /** Hands over every open tally now (shutdown: the windows will not end while the process runs). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((address) => this.close(address)));
  }

  private async close(address: string): Promise<void> {
    const entry = this.open.get(address);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.open.delete(address);
    await this.flush(entry.tally);
  }
}
