import { performance } from 'node:perf_hooks';

/** One measured operation: bytes it processed and the median of its timed repetitions. */
export interface Measurement {
  label: string;
  bytes: number;
  ms: number;
}

/** Run `fn` `reps` times (after one untimed warm-up) and keep the median wall time. */
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
  return { label: options.label, bytes: options.bytes, ms: times[Math.floor(times.length / 2)]! };
}

/** Megabytes (10^6 bytes) per second. */
function mbPerSecond(m: Measurement): number {
  return m.bytes / 1e6 / (m.ms / 1000);
}

/** Table rows with throughput and the ratio to the baseline measurement. */
export function formatRows(title: string, rows: readonly Measurement[], baseline: Measurement): string[] {
  const base = mbPerSecond(baseline);
  const lines = [
    title,
    `  ${'operation'.padEnd(38)}${'MB'.padStart(8)}${'ms'.padStart(10)}${'MB/s'.padStart(10)}${'× SHA-256'.padStart(11)}`,
  ];
  for (const m of rows) {
    const rate = mbPerSecond(m);
    lines.push(
      `  ${m.label.padEnd(38)}${(m.bytes / 1e6).toFixed(2).padStart(8)}${m.ms.toFixed(1).padStart(10)}` +
        `${rate.toFixed(1).padStart(10)}${(rate / base).toFixed(3).padStart(11)}`,
    );
  }
  return lines;
}
