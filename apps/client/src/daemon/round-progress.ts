import { ProgressBar, type ProgressStream } from '../log/progress-bar.ts';

/** A bar for one piece of work; a no-op when there is no terminal to draw on. */
export interface ProgressHandle {
  update(done: number, suffix?: string): void;
  finish(message?: string): void;
}

/** Makes progress bars for the daemon's work: drawn on a TTY, silent otherwise (the log says it all). */
export class RoundProgress {
  constructor(private readonly stream: ProgressStream | undefined) {}

  /** A bar with a known total, or a spinner when `total` is undefined. */
  start(label: string, total?: number): ProgressHandle {
    if (!this.stream?.isTTY) return { update: () => {}, finish: () => {} };
    return new ProgressBar(this.stream, { label, total });
  }
}
