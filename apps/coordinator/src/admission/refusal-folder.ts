/** What the folder hands on: the first of a kind at once, then how many more came in the window. */
export interface Folded<T> {
  sample: T;
  /** 1 for the first occurrence; the number of repeats when the window closes. */
  count: number;
  repeats: boolean;
}

/**
 * Folds identical events (same key) within a window: the first is passed on at once, the rest are only
 * counted and passed on as one folded event when the window closes. A flood of N identical refusals thus
 * costs two log lines and two audit rows, not N. Keys beyond `maxKeys` fold into one overflow key.
 */
export class RefusalFolder<T> {
  private readonly held = new Map<string, { sample: T; count: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly options: {
      windowMs: number;
      emit: (event: Folded<T>) => Promise<void> | void;
      maxKeys?: number;
      /** What the overflow key reports as its sample (e.g. the address replaced by "many"). */
      overflow?: (sample: T) => T;
    },
  ) {}

  /** Notes one event; resolves once it is passed on (the first of its key in this window) or counted. */
  note(key: string, sample: T): Promise<void> {
    const overflowing = this.held.size >= (this.options.maxKeys ?? 10_000) && !this.held.has(key);
    const fullKey = overflowing ? '(overflow)' : key;
    const reported = overflowing && this.options.overflow ? this.options.overflow(sample) : sample;
    const held = this.held.get(fullKey);
    if (held) {
      held.count++;
      return Promise.resolve();
    }
    // A plain timer, not the Clock (it offers only intervals): vi.useFakeTimers() drives it in tests.
    const timer = setTimeout(() => void this.flush(fullKey), this.options.windowMs);
    timer.unref();
    this.held.set(fullKey, { sample: reported, count: 0, timer });
    return this.emitSafely({ sample: reported, count: 1, repeats: false });
  }

  /** Passes on every pending count now (at shutdown). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((key) => this.flush(key)));
  }

  private async flush(key: string): Promise<void> {
    const held = this.held.get(key);
    if (!held) return;
    clearTimeout(held.timer);
    this.held.delete(key);
    if (held.count > 0) await this.emitSafely({ sample: held.sample, count: held.count, repeats: true });
  }

  private async emitSafely(event: Folded<T>): Promise<void> {
    try {
      await this.options.emit(event);
    } catch {
      // A refusal that cannot be recorded (the database closing) must not take the coordinator down.
    }
  }
}
