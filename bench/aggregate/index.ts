import { fedAvg, fedMedian, krum, trimmedMean } from '@fedfuse/strategy';
import { bestSeconds, copyAll, load, machine, makeWorkload, sumAll } from './workload.ts';
import type { Workload } from './workload.ts';

// Throughput of the aggregation rules in GB/s of update data read (N · P · 4 bytes per call), next to two
// memory-bandwidth baselines measured in the same process on the same buffers. Prints figures; never fails.

const MILLION = 1_000_000;

interface Case {
  name: string;
  run: (workload: Workload) => unknown;
  /** Largest N·P this rule runs on (the robust rules are O(N·P·log N) or O(N²·P)). */
  maxFloats: number;
  reps: number;
}

const cases: Case[] = [
  { name: 'sum (4 accumulators)', run: sumAll, maxFloats: Infinity, reps: 5 },
  { name: 'Float32Array.set copy', run: copyInto(), maxFloats: Infinity, reps: 5 },
  { name: 'fedAvg (reused out)', run: fedAvgInto(), maxFloats: Infinity, reps: 5 },
  { name: 'fedAvg (new out)', run: (w) => fedAvg(w.updates), maxFloats: Infinity, reps: 5 },
  { name: 'fedMedian', run: (w) => fedMedian(w.updates), maxFloats: 100 * MILLION, reps: 1 },
  { name: 'trimmedMean β=0.2', run: (w) => trimmedMean(w.updates, 0.2), maxFloats: 100 * MILLION, reps: 1 },
  { name: 'krum f=2 (MultiKrum m=5)', run: runKrum, maxFloats: 100 * MILLION, reps: 1 },
];

function copyInto(): (workload: Workload) => void {
  let destination = new Float32Array(0);
  return (workload) => {
    if (destination.length !== workload.params) destination = new Float32Array(workload.params);
    copyAll(workload, destination);
  };
}

// The same buffer every call, as a coordinator would keep one across rounds: this measures the kernel,
// without the page faults of a fresh P-float output (expensive on this VM: see docs/strategies.md).
function fedAvgInto(): (workload: Workload) => Float32Array {
  let out = new Float32Array(0);
  return (workload) => {
    if (out.length !== workload.params) out = new Float32Array(workload.params);
    return fedAvg(workload.updates, { out });
  };
}

function runKrum(workload: Workload): Float32Array {
  return krum(workload.updates, { numMalicious: 2, numToKeep: 5 });
}

function gbPerSecond(workload: Workload, seconds: number): number {
  return (workload.params * workload.updates.length * 4) / seconds / 1e9;
}

function row(cells: (string | number)[]): string {
  const widths = [28, 6, 8, 9, 10, 9, 9];
  return cells
    .map((cell, i) =>
      String(cell)
        .padStart(i === 0 ? 0 : widths[i]!)
        .padEnd(i === 0 ? widths[0]! : 0),
    )
    .join('')
    .trimEnd();
}

function benchSize(params: number, counts: readonly number[]): void {
  const all = makeWorkload(params, Math.max(...counts));
  for (const count of counts) {
    const workload: Workload = { ...all, updates: all.updates.slice(0, count) };
    const gb = (params * count * 4) / 1e9;
    const shared =
      Math.min(all.distinctBuffers, count) < count ? ` (${all.distinctBuffers} distinct buffers reused)` : '';
    console.log(`\n${params / MILLION}M params × ${count} updates = ${gb.toFixed(2)} GB${shared}`);
    console.log(row(['rule', 'reps', 'time s', 'GB/s', 'vs sum', 'vs set']));
    const baseline: Record<string, number> = {};
    for (const { name, run, maxFloats, reps } of cases) {
      if (params * count > maxFloats) {
        console.log(row([name, '-', '-', 'skipped', '', '']));
        continue;
      }
      const seconds = bestSeconds(() => run(workload), reps);
      const rate = gbPerSecond(workload, seconds);
      baseline[name] = rate;
      const vsSum = (rate / baseline['sum (4 accumulators)']!).toFixed(2);
      const vsSet = (rate / (baseline['Float32Array.set copy'] ?? rate)).toFixed(2);
      console.log(row([name, reps, seconds.toFixed(3), rate.toFixed(2), vsSum, vsSet]));
    }
  }
}

const started = Date.now();
console.log(`bench:aggregate on ${machine()}, ${load()} at start`);
console.log('GB/s = bytes of update data read per second (N·P·4 / time); best of reps.');
benchSize(1 * MILLION, [10, 100]);
benchSize(10 * MILLION, [10, 100]);
console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s, ${load()} at end`);
