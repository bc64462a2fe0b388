// Training throughput of the default model on each tfjs backend, against PyTorch on the
// same architecture in the same run, then wasm on 1…cores data-parallel threads against PyTorch on as
// many threads. Usage: pnpm bench:train [--cpu] [--steps N] [--threads N] [--no-torch]
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { BackendName, TrainOptions } from '@fedfuse/model';
import { createModel, defaultModelConfig, initBackend, trainLocalRound, TrainingPool } from '@fedfuse/model';
import { torchSamplesPerSecond, type Measured } from './torch.ts';
import { randomBatch } from '../shared/random-batch.ts';

const { values: args } = parseArgs({
  options: {
    cpu: { type: 'boolean', default: false },
    steps: { type: 'string', default: '20' },
    'batch-size': { type: 'string', default: '32' },
    threads: { type: 'string', default: String(availableParallelism()) },
    'no-torch': { type: 'boolean', default: false },
  },
});
const steps = Number(args.steps);
const batchSize = Number(args['batch-size']);
const maxThreads = Number(args.threads);
const warmupSteps = 3;
const options: TrainOptions = { epochs: 1, batchSize, learningRate: 1e-3, seed: 1 };
const torchRun = { batchSize, steps, warmupSteps, skip: args['no-torch'] };

/** samples/s by the wall clock, and CPU time of every thread of this process per sample. */
interface Throughput {
  perSecond: number;
  cpuMsPerSample: number;
}

/** Times one timed round: wall clock, and CPU across all threads (the replicas' included). */
async function timedRound(train: () => unknown): Promise<Throughput> {
  const samples = steps * batchSize;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await train();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: samples / seconds, cpuMsPerSample: (used.user + used.system) / 1000 / samples };
}

async function tfjsThroughput(backend: BackendName): Promise<Throughput | string> {
  const info = await initBackend({ backend, log: () => {} }).catch((e: Error) => e.message);
  if (typeof info === 'string') return info;
  const model = createModel(defaultModelConfig);
  trainLocalRound(model, randomBatch(model.config, warmupSteps * batchSize, 1), options);
  const batch = randomBatch(model.config, steps * batchSize, 2);
  const result = await timedRound(() => trainLocalRound(model, batch, options));
  model.dispose();
  return result;
}

/**
 * wasm on `threads` replica threads, timed from the pool's caller (messages and copies included); one
 * thread trains in this thread, as a site with `threads: 1` does.
 */
async function poolThroughput(threads: number): Promise<Throughput | string> {
  if (threads === 1) return tfjsThroughput('wasm');
  const pool = await TrainingPool.start({ threads });
  try {
    const model = createModel(defaultModelConfig);
    await pool.train(model, randomBatch(model.config, warmupSteps * batchSize, 1), options);
    const batch = randomBatch(model.config, steps * batchSize, 2);
    const result = await timedRound(() => pool.train(model, batch, options));
    model.dispose();
    return result;
  } finally {
    await pool.close();
  }
}

const perSecond = (t: Throughput | string): Measured => (typeof t === 'string' ? t : t.perSecond);
const ratio = (a: Measured, b: Measured) =>
  typeof a === 'number' && typeof b === 'number' ? `${(a / b).toFixed(3)}×` : '-';
const figure = (m: Measured) => (typeof m === 'number' ? m.toFixed(1) : `skipped: ${m}`);

const backends: BackendName[] = [
  'tensorflow-gpu',
  'tensorflow',
  'wasm',
  ...(args.cpu ? (['cpu'] as const) : []),
];
console.log(
  `default model: ${JSON.stringify({ ...defaultModelConfig, tasks: defaultModelConfig.tasks.length })}`,
);
console.log(`batch ${batchSize}, ${steps} timed steps after ${warmupSteps} warm-up steps\n`);
// PyTorch runs before and after the tfjs figures it is compared with, so a change in machine load shows
// and averages out.
const torchOne = torchSamplesPerSecond({ ...torchRun, threads: 1 }, async () => {
  const results: [BackendName, Measured][] = [];
  for (const backend of backends) results.push([backend, perSecond(await tfjsThroughput(backend))]);
  return results;
});
const { torch, measured } = await torchOne;
console.log('| runtime (one thread) | samples/s | vs PyTorch, 1 thread |\n|---|---|---|');
for (const [backend, result] of measured)
  console.log(`| tfjs ${backend} | ${figure(result)} | ${ratio(result, torch)} |`);
console.log(`| pytorch (cpu, 1 thread) | ${figure(torch)} | 1.000× |\n`);

// CPU time per sample does not depend on how busy the machine is the way samples/s does: equal CPU per
// sample at N threads means N idle cores would train N times as fast (less any waiting at the steps).
console.log(
  '| threads | wasm data-parallel samples/s | PyTorch samples/s | wasm / PyTorch | wasm CPU ms per sample |',
);
console.log('|---|---|---|---|---|');
for (let threads = 1; threads <= maxThreads; threads++) {
  const row = await torchSamplesPerSecond({ ...torchRun, threads }, () => poolThroughput(threads));
  const wasm = perSecond(row.measured);
  const cpu = typeof row.measured === 'string' ? '-' : row.measured.cpuMsPerSample.toFixed(1);
  console.log(`| ${threads} | ${figure(wasm)} | ${figure(row.torch)} | ${ratio(wasm, row.torch)} | ${cpu} |`);
}
console.log(
  `\nload average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} cores`,
);
