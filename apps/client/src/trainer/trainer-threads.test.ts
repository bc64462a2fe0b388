import { readdirSync } from 'node:fs';
import { loadSite } from '@fedfuse/data';
import { createModel, getWeights, initBackend, layoutOf, setWeights, trainLocalRound } from '@fedfuse/model';
import type { FitConfig, ModelSpec } from '@fedfuse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { toWireManifest } from '../fl/manifest-map.ts';
import { silentLogger } from '../log/logger.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { tinySpec, writeTinySite } from '../testing/tiny-site.ts';
import { fitBatch } from './fit-batch.ts';
import { Trainer } from './trainer.ts';

// Without denoising noise (drawn per part of a mini-batch), two threads reach one thread's weights.
const spec: ModelSpec = { ...tinySpec, genomicsNoise: 0 };
const config: FitConfig = {
  epochs: 2,
  batchSize: 8,
  learningRate: 0.01,
  modalityKeepProb: 0.9,
  proximalMu: 0.1,
  seed: 42,
};

/** OS threads of this process: a worker thread and its helpers show here until they end. */
const osThreads = (): number => readdirSync('/proc/self/task').length;

let siteYaml: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: siteYaml, cleanup } = await tempDir());
  siteYaml = await writeTinySite(siteYaml);
  await initBackend({ backend: 'wasm', log: () => {} });
});
afterAll(() => cleanup());

describe(`${Trainer.name} on two threads`, () => {
  it('returns the delta one thread would, and ends its replica threads on close', async () => {
    const before = osThreads();
    const trainer = await Trainer.start({ backend: 'wasm', threads: 2, log: silentLogger });
    // The trainer's thread and two replicas, each with helper threads of its own.
    expect(osThreads()).toBeGreaterThanOrEqual(before + 3);
    await trainer.loadData(siteYaml);
    const [h, w, c] = spec.imageShape;
    const model = createModel({ ...spec, imageShape: [h, w, c] });
    const { weights } = getWeights(model);
    const manifest = toWireManifest(layoutOf(model).entries);
    const epochs: number[] = [];
    const outcome = await trainer.train({ spec, manifest, global: weights.slice(), config }, (e) =>
      epochs.push(e),
    );
    await trainer.close();

    const site = await loadSite({ config: siteYaml });
    const batch = fitBatch(site.train.batch, {
      widths: { tasks: site.tasks, ehrDim: 4, genomicsDim: 8, imageSize: 64 },
      spec,
    });
    setWeights(model, weights);
    const local = trainLocalRound(model, batch, { ...config, proximal: { mu: 0.1, reference: weights } });
    const expected = getWeights(model).weights.map((v, i) => v - weights[i]!);
    model.dispose();

    expect(epochs).toEqual([1, 2]);
    expect(outcome.delta.some((v) => v !== 0)).toBe(true);
    const worst = outcome.delta.reduce((max, v, i) => Math.max(max, Math.abs(v - expected[i]!)), 0);
    expect(worst).toBeLessThan(1e-5);
    outcome.lossPerEpoch.forEach((loss, i) => expect(loss).toBeCloseTo(local.lossPerEpoch[i]!, 4));
    await expect.poll(osThreads, { timeout: 10_000 }).toBeLessThanOrEqual(before);
    // Three threads load tsx and tfjs each: on a loaded 2-core machine that takes a while.
  }, 90_000);

  it("trains a record-level round's DP-SGD on the replicas as one thread does", async () => {
    // z 0 (a run needs z > 0): without noise two threads must reach one thread's clipped weights exactly.
    const dpSgd = { clip: 0.05, noiseMultiplier: 0 };
    const trainer = await Trainer.start({ backend: 'wasm', threads: 2, log: silentLogger });
    await trainer.loadData(siteYaml);
    const [h, w, c] = spec.imageShape;
    const model = createModel({ ...spec, imageShape: [h, w, c] });
    const { weights } = getWeights(model);
    const manifest = toWireManifest(layoutOf(model).entries);
    const dpConfig = { ...config, epochs: 1, dpSgd };
    const outcome = await trainer.train({ spec, manifest, global: weights.slice(), config: dpConfig });
    await trainer.close();

    const site = await loadSite({ config: siteYaml });
    const batch = fitBatch(site.train.batch, {
      widths: { tasks: site.tasks, ehrDim: 4, genomicsDim: 8, imageSize: 64 },
      spec,
    });
    const deltaOf = (options: { dpSgd?: typeof dpSgd }) => {
      setWeights(model, weights);
      trainLocalRound(model, batch, { ...dpConfig, ...options, proximal: { mu: 0.1, reference: weights } });
      return getWeights(model).weights.map((v, i) => v - weights[i]!);
    };
    const clipped = deltaOf({ dpSgd });
    const plain = deltaOf({ dpSgd: undefined });
    model.dispose();

    const gap = (other: Float32Array) =>
      outcome.delta.reduce((max, v, i) => Math.max(max, Math.abs(v - other[i]!)), 0);
    expect(gap(clipped)).toBeLessThan(1e-5);
    expect(gap(plain)).toBeGreaterThan(1e-4);
  }, 90_000);

  it('refuses a thread count that is not a whole number ≥ 1 before starting anything', async () => {
    await expect(Trainer.start({ backend: 'wasm', threads: 0, log: silentLogger })).rejects.toThrow(
      'threads must be a whole number ≥ 1, got 0',
    );
  });
});
