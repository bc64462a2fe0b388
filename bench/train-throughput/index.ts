// Training throughput of the default model on each tfjs backend, against PyTorch on the
// same architecture in the same run. Usage: pnpm bench:train [--cpu] [--steps N] [--no-torch]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BackendName, ModelBatch, ModelConfig } from '@fedfuse/model';
import { createModel, defaultModelConfig, initBackend, trainLocalRound } from '@fedfuse/model';

const { values: args } = parseArgs({
  options: {
    cpu: { type: 'boolean', default: false },
    steps: { type: 'string', default: '20' },
    'batch-size': { type: 'string', default: '32' },
    'no-torch': { type: 'boolean', default: false },
  },
});
const steps = Number(args.steps);
const batchSize = Number(args['batch-size']);
const warmupSteps = 3;
const python = '/usr/bin/python3';

function randomBatch(config: ModelConfig, n: number, seed: number): ModelBatch {
  let state = seed;
  const next = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const fill = (length: number) => Float32Array.from({ length }, next);
  const [h, w, c] = config.imageShape;
  return {
    n,
    ehr: fill(n * config.ehrDim),
    image: fill(n * h * w * c).map((v) => (v + 1) / 2),
    genomics: fill(n * config.genomicsDim),
    present: new Uint8Array(n * 3).fill(1),
    labels: fill(n * config.tasks.length).map((v) => (v > 0 ? 1 : 0)),
  };
}

async function tfjsSamplesPerSecond(backend: BackendName): Promise<number | string> {
  const info = await initBackend({ backend, log: () => {} }).catch((e: Error) => e.message);
  if (typeof info === 'string') return info;
  const model = createModel(defaultModelConfig);
  const options = { epochs: 1, batchSize, learningRate: 1e-3, seed: 1 };
  trainLocalRound(model, randomBatch(model.config, warmupSteps * batchSize, 1), options);
  const result = trainLocalRound(model, randomBatch(model.config, steps * batchSize, 2), options);
  model.dispose();
  return (steps * batchSize) / result.seconds;
}

function torchSamplesPerSecond(): number | string {
  if (args['no-torch']) return 'not asked';
  if (!existsSync(python)) return `${python} not found`;
  const script = fileURLToPath(new URL('./torch_reference.py', import.meta.url));
  const config = { ...defaultModelConfig, batchSize, steps, warmupSteps, threads: 1 };
  const run = spawnSync(python, [script, JSON.stringify(config)], { encoding: 'utf8' });
  if (run.status !== 0) return `torch unavailable (${(run.stderr || '').trim().split('\n').pop()})`;
  return (JSON.parse(run.stdout.trim().split('\n').pop()!) as { samplesPerSecond: number }).samplesPerSecond;
}

const backends: BackendName[] = [
  'tensorflow-gpu',
  'tensorflow',
  'wasm',
  ...(args.cpu ? (['cpu'] as const) : []),
];
console.log(
  `default model: ${JSON.stringify({ ...defaultModelConfig, tasks: defaultModelConfig.tasks.length })}`,
);
console.log(`batch ${batchSize}, ${steps} timed steps after ${warmupSteps} warm-up steps, one thread each\n`);
// PyTorch runs before and after the tfjs backends, so a change in machine load shows and averages out.
const torchBefore = torchSamplesPerSecond();
const results: [BackendName, number | string][] = [];
for (const backend of backends) results.push([backend, await tfjsSamplesPerSecond(backend)]);
const torchAfter = torchSamplesPerSecond();
const torch =
  typeof torchBefore === 'number' && typeof torchAfter === 'number'
    ? (torchBefore + torchAfter) / 2
    : torchBefore;
if (typeof torchBefore === 'number' && typeof torchAfter === 'number') {
  console.log(
    `pytorch before: ${torchBefore.toFixed(1)} samples/s, after: ${torchAfter.toFixed(1)} (mean used below)`,
  );
}
console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} cores\n`,
);
const rows: [string, string, string][] = [];
for (const [backend, result] of results) {
  const ratio =
    typeof result === 'number' && typeof torch === 'number' ? `${(result / torch).toFixed(3)}×` : '-';
  rows.push([
    `tfjs ${backend}`,
    typeof result === 'number' ? result.toFixed(1) : `skipped: ${result}`,
    ratio,
  ]);
}
rows.push([
  'pytorch (cpu, 1 thread)',
  typeof torch === 'number' ? torch.toFixed(1) : `skipped: ${torch}`,
  '1.000×',
]);
console.log('| runtime | samples/s | vs PyTorch |\n|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
