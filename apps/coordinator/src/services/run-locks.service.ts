import { Injectable } from '@nestjs/common';

/** Serialises work on one run inside this process, so two events never advance a round at once. */
@Injectable()
export class RunLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(runId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(runId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(runId, tail);
    void tail.then(() => {
      if (this.tails.get(runId) === tail) this.tails.delete(runId);
    });
    return next;
  }

  /** Resolves once the work queued on every run so far has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
