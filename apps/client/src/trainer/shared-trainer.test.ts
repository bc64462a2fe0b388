import { join } from 'node:path';
import { createModel, getWeights, initBackend, layoutOf } from '@fedfuse/model';
import type { FitConfig } from '@fedfuse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { toWireManifest } from '../fl/manifest-map.ts';
import { silentLogger } from '../log/logger.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { tinySpec, writeTinySite } from '../testing/tiny-site.ts';
import { SharedTrainer } from './shared-trainer.ts';
import { Trainer } from './trainer.ts';

const config: FitConfig = {
  epochs: 2,
  batchSize: 8,
  learningRate: 0.01,
  modalityKeepProb: 0.9,
  proximalMu: 0,
  seed: 42,
};

let shared: SharedTrainer;
let own: Trainer;
let sites: { a: string; b: string };
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const tmp = await tempDir();
  cleanup = tmp.cleanup;
  sites = {
    a: await writeTinySite(join(tmp.dir, 'a'), { patients: 24, seed: 1 }),
    b: await writeTinySite(join(tmp.dir, 'b'), { patients: 32, seed: 2 }),
  };
  shared = await SharedTrainer.start({ backend: 'wasm', log: silentLogger });
  own = await Trainer.start({ backend: 'wasm', log: silentLogger });
  await initBackend({ backend: 'wasm', log: () => {} });
}, 120_000);
afterAll(async () => {
  await shared.close();
  await own.close();
  await cleanup();
});

function globalModel() {
  const model = createModel(tinySpec);
  const { weights } = getWeights(model);
  const manifest = toWireManifest(layoutOf(model).entries);
  model.dispose();
  return { weights, manifest };
}

describe(SharedTrainer.name, () => {
  it("keeps each site's data apart and trains each exactly as a worker of its own would", async () => {
    const a = shared.forSite('a');
    const b = shared.forSite('b');
    const [summaryA, summaryB] = await Promise.all([a.loadData(sites.a), b.loadData(sites.b)]);
    expect(summaryA.trainPatients + summaryA.validationPatients + summaryA.testPatients).toBeLessThan(
      summaryB.trainPatients + summaryB.validationPatients + summaryB.testPatients,
    );
    const { weights, manifest } = globalModel();
    const round = () => ({ spec: tinySpec, manifest, global: weights.slice(), config });
    const [outA, outB] = await Promise.all([a.train(round()), b.train(round())]);
    expect(outA.numExamples).toBe(summaryA.trainPatients);
    expect(outB.numExamples).toBe(summaryB.trainPatients);

    await own.loadData(sites.b);
    const alone = await own.train(round());
    expect(Array.from(outB.delta)).toEqual(Array.from(alone.delta));
    expect(Array.from(outA.delta)).not.toEqual(Array.from(outB.delta));
    await Promise.all([a.close(), b.close()]);
  }, 60_000);

  it("fails one site's request without touching the others, and frees a closed site's data", async () => {
    const c = shared.forSite('c');
    const d = shared.forSite('d');
    await d.loadData(sites.a);
    await expect(c.loadData('/nonexistent/site.yaml')).rejects.toThrow();
    const { weights, manifest } = globalModel();
    await expect(c.train({ spec: tinySpec, manifest, global: weights.slice(), config })).rejects.toThrow(
      'site c has no data loaded',
    );
    const outD = await d.train({ spec: tinySpec, manifest, global: weights.slice(), config });
    expect(outD.delta.some((v) => v !== 0)).toBe(true);
    await d.close();
    await expect(d.train({ spec: tinySpec, manifest, global: weights.slice(), config })).rejects.toThrow(
      'the trainer is closed',
    );
    expect(() => shared.forSite('c')).toThrow('already has a trainer');
  }, 60_000);
});
