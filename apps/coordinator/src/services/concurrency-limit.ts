/**
 * Runs at most `limit` tasks at once; the others wait their turn in arrival order. Bounds the memory of
 * work that holds a large buffer while it awaits I/O.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next task, so `running` never drops below what is in flight.
      if (next) next();
      else this.running -= 1;
    }
  }
}
