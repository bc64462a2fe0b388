import os from 'node:os';

/** A set of synthetic client updates, and whether several updates share one buffer. */
export interface Workload {
  params: number;
  updates: { weights: Float32Array; numExamples: number }[];
  distinctBuffers: number;
}

const GIB = 1024 ** 3;

/**
 * Builds `count` updates of `params` floats. Each gets its own buffer (a rotated copy of one random vector,
 * so building is memcpy-fast) unless that would leave under 4 GiB free, in which case buffers are reused.
 */
export function makeWorkload(params: number, count: number): Workload {
  const base = new Float32Array(params);
  for (let i = 0; i < params; i++) base[i] = Math.random() * 2 - 1;
  const bytesEach = params * 4;
  const affordable = Math.max(1, Math.floor((os.freemem() - 4 * GIB) / bytesEach));
  const distinctBuffers = Math.min(count, affordable);
  const buffers = Array.from({ length: distinctBuffers }, (_, k) => rotated(base, (k * 7919) % params));
  const updates = Array.from({ length: count }, (_, k) => ({
    weights: buffers[k % distinctBuffers]!,
    numExamples: 100 + ((k * 37) % 400),
  }));
  return { params, updates, distinctBuffers };
}

function rotated(base: Float32Array, shift: number): Float32Array {
  const out = new Float32Array(base.length);
  out.set(base.subarray(shift));
  out.set(base.subarray(0, shift), base.length - shift);
  return out;
}

/** Best wall time in seconds over `reps` runs (best, not mean: the machine is shared). */
export function bestSeconds(run: () => unknown, reps: number): number {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const start = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return best;
}

/** Baseline: sum every float of every update with four independent accumulators (a read-only stream). */
export function sumAll(workload: Workload): number {
  let total = 0;
  for (const { weights } of workload.updates) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 4 <= weights.length; i += 4) {
      s0 += weights[i]!;
      s1 += weights[i + 1]!;
      s2 += weights[i + 2]!;
      s3 += weights[i + 3]!;
    }
    for (; i < weights.length; i++) s0 += weights[i]!;
    total += s0 + s1 + s2 + s3;
  }
  return total;
}

/** Baseline: copy every update into one destination with the native `Float32Array.prototype.set` (memcpy). */
export function copyAll(workload: Workload, destination: Float32Array): void {
  for (const { weights } of workload.updates) destination.set(weights);
}

/** One-line description of the machine the figures come from. */
export function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const memory = (os.totalmem() / GIB).toFixed(1);
  return `${cpus.length} cores (${model}), ${memory} GiB RAM, Node ${process.version}, ${os.platform()} ${os.arch()}`;
}

/** The 1-minute load average: figures taken while other processes use the cores are lower. */
export function load(): string {
  return `load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores`;
}
