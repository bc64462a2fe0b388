import { performance } from 'node:perf_hooks';

/** One measured operation: bytes it processed, the median and the best of its timed repetitions. */
export interface Measurement {
  label: string;
  bytes: number;
  ms: number;
  /** Fastest repetition: on a loaded machine, the closest to the operation's own cost. */
  bestMs: number;
}

/** Run `fn` `reps` times (after one untimed warm-up) and keep the median and best wall time. */
export async function measure(options: {
  label: string;
  bytes: number;
  reps: number;
  fn: () => unknown;
}): Promise<Measurement> {
  await options.fn();
  const times: number[] = [];
  for (let i = 0; i < options.reps; i++) {
    const start = performance.now();
    await options.fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return {
    label: options.label,
    bytes: options.bytes,
    ms: times[Math.floor(times.length / 2)]!,
    bestMs: times[0]!,
  };
}

/** Megabytes (10^6 bytes) per second. */
function mbPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

/** Table rows with median throughput and the ratio to the baseline, by median and by best repetition. */
export function formatRows(title: string, rows: readonly Measurement[], baseline: Measurement): string[] {
  const base = mbPerSecond(baseline.bytes, baseline.ms);
  const baseBest = mbPerSecond(baseline.bytes, baseline.bestMs);
  const lines = [
    title,
    `  ${'operation'.padEnd(40)}${'MB'.padStart(7)}${'ms'.padStart(9)}${'MB/s'.padStart(9)}` +
      `${'× SHA-256'.padStart(11)}${'(best)'.padStart(9)}`,
  ];
  for (const m of rows) {
    const rate = mbPerSecond(m.bytes, m.ms);
    const best = mbPerSecond(m.bytes, m.bestMs);
    lines.push(
      `  ${m.label.padEnd(40)}${(m.bytes / 1e6).toFixed(2).padStart(7)}${m.ms.toFixed(1).padStart(9)}` +
        `${rate.toFixed(1).padStart(9)}${(rate / base).toFixed(3).padStart(11)}${(best / baseBest).toFixed(3).padStart(9)}`,
    );
  }
  return lines;
}
