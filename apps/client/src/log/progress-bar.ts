/** The text of a determinate bar, e.g. `[#####-----]  50% 5/10`. */
export function renderBar(options: { done: number; total: number; width: number }): string {
  const { total, width } = options;
  const done = Math.max(0, Math.min(options.done, total));
  const fraction = total > 0 ? done / total : 1;
  const filled = Math.round(fraction * width);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent} ${done}/${total}`;
}

const SPINNER = ['|', '/', '-', '\\'];

/** Where a progress bar draws: a TTY stream (bars make no sense in log files). */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * A single-line progress display redrawn in place with `\r`; for a known total it draws a bar, otherwise a
 * spinner with elapsed seconds. It only ever draws on a TTY.
 */
export class ProgressBar {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private readonly started = Date.now();
  private suffix = '';
  private finished = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: { label: string; total?: number; width?: number },
  ) {
    if (options.total === undefined && stream.isTTY) {
      this.timer = setInterval(() => this.drawSpinner(), 120);
      this.timer.unref();
    }
  }

  /** Redraw with `done` of the total and an optional note (e.g. the last loss). */
  update(done: number, suffix = ''): void {
    this.suffix = suffix;
    if (!this.stream.isTTY || this.options.total === undefined) return;
    const bar = renderBar({ done, total: this.options.total, width: this.options.width ?? 30 });
    this.draw(`${this.options.label} ${bar}${suffix ? ` ${suffix}` : ''}`);
  }

  /** Stop drawing and leave the final line in place (only the first call draws). */
  finish(message?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.stream.isTTY) return;
    if (message !== undefined) this.draw(`${this.options.label} ${message}`);
    this.stream.write('\n');
  }

  private drawSpinner(): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    const glyph = SPINNER[this.frame++ % SPINNER.length] ?? '|';
    this.draw(`${this.options.label} ${glyph} ${seconds} s${this.suffix ? ` ${this.suffix}` : ''}`);
  }

  private draw(text: string): void {
    this.stream.write(`\r\x1b[K${text}`);
  }
}
