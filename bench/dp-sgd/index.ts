// The cost of record-level DP-SGD at a site: samples/s of the default model on wasm with ordinary
// training, with per-example clipping alone (z = 0) and with clipping and noise, in the same run, as
// ratios to ordinary training; with --threads T > 1 also noised DP-SGD on a T-thread training pool.
// Usage: pnpm bench:dp-sgd [--steps N] [--batch-size B] [--repeats R] [--threads T]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { ModelBatch, TrainOptions } from '@fedfuse/model';
import { createModel, defaultModelConfig, initBackend, trainLocalRound, TrainingPool } from '@fedfuse/model';
import { randomBatch } from '../shared/random-batch.ts';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '4' },
    'batch-size': { type: 'string', default: '32' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' },
  },
});
const steps = Number(args.steps);
const batchSize = Number(args['batch-size']);
const repeats = Number(args.repeats);
const threads = Number(args.threads);

const modes: { name: string; options: TrainOptions; pool?: TrainingPool }[] = [
  { name: 'ordinary', options: { epochs: 1, batchSize, learningRate: 1e-3, seed: 1 } },
  {
    name: 'DP-SGD clip only (C=1, z=0)',
    options: { epochs: 1, batchSize, learningRate: 1e-3, seed: 1, dpSgd: { clip: 1, noiseMultiplier: 0 } },
  },
  {
    name: 'DP-SGD (C=1, z=1.1)',
    options: { epochs: 1, batchSize, learningRate: 1e-3, seed: 1, dpSgd: { clip: 1, noiseMultiplier: 1.1 } },
  },
];

await initBackend({ backend: 'wasm', log: () => {} });
if (threads > 1) {
  const pool = await TrainingPool.start({ threads });
  const noised = modes.at(-1)!;
  modes.push({ name: `${noised.name}, ${threads} threads`, options: noised.options, pool });
}
const model = createModel(defaultModelConfig);
const parameters = model.variables.reduce((sum, v) => sum + v.size, 0);
const warmup = randomBatch(model.config, batchSize, 1);
const batch = randomBatch(model.config, steps * batchSize, 2);
const train = (mode: (typeof modes)[number], data: ModelBatch) =>
  mode.pool ? mode.pool.train(model, data, mode.options) : trainLocalRound(model, data, mode.options);
for (const mode of modes) await train(mode, warmup);

// Modes interleave within each repeat, so a change in machine load touches all of them alike.
const best = modes.map(() => 0);
for (let r = 0; r < repeats; r++) {
  for (const [i, mode] of modes.entries()) {
    const started = performance.now();
    await train(mode, batch);
    const perSecond = batch.n / ((performance.now() - started) / 1000);
    best[i] = Math.max(best[i] ?? 0, perSecond);
  }
}
model.dispose();
await modes.at(-1)?.pool?.close();

console.log(
  `default model (${parameters.toLocaleString('en')} parameters), wasm, batch ${batchSize}, ` +
    `${steps} steps × best of ${repeats}; load average ${loadavg()[0]?.toFixed(2)}`,
);
const baseline = best[0] ?? NaN;
modes.forEach((mode, i) => {
  const perSecond = best[i] ?? NaN;
  console.log(
    `${mode.name.padEnd(30)} ${perSecond.toFixed(1).padStart(8)} samples/s   ${(perSecond / baseline).toFixed(3)}× ordinary`,
  );
});
