import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { pretrainImagingRound } from './imaging-pretrain.ts';
import type { TriModalModel } from './model.ts';
import { createModel } from './model.ts';
import { separableBatch, smallConfig } from './testing/fixtures.ts';
import { getWeights } from './weights.ts';

const models: TriModalModel[] = [];
beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});
afterEach(() => models.splice(0).forEach((m) => m.dispose()));

function model(): TriModalModel {
  const m = createModel({
    ...smallConfig,
    imageStandardize: true,
    imageGroupNorm: 2,
    imagePooling: 'global',
  });
  models.push(m);
  return m;
}

const values = (m: TriModalModel, prefix: string) =>
  m.specs.flatMap((spec, i) =>
    spec.name.startsWith(prefix) ? [Array.from(m.variables[i]!.dataSync())] : [],
  );

describe('pretrainImagingRound', () => {
  it('trains the imaging encoder alone, without labels, and lowers its contrastive loss', () => {
    const m = model();
    const batch = separableBatch(m.config, { n: 24, seed: 1 });
    batch.labels.fill(Number.NaN);
    const untouched = ['ehr.', 'genomics.', 'head.', 'imaging.aux.'].map((p) => values(m, p));
    const conv = values(m, 'imaging.conv1.');
    const options = { epochs: 1, batchSize: 12, learningRate: 1e-2, seed: 1, noise: 0.05 };
    const first = pretrainImagingRound(m, batch, options);
    let last = first;
    for (let round = 2; round <= 6; round++)
      last = pretrainImagingRound(m, batch, { ...options, seed: round });
    expect(last).toBeLessThan(first - 0.2);
    expect(values(m, 'imaging.conv1.')).not.toEqual(conv);
    expect(['ehr.', 'genomics.', 'head.', 'imaging.aux.'].map((p) => values(m, p))).toEqual(untouched);
  });

  it('gives the same weights for the same seed', () => {
    const run = () => {
      const m = model();
      const batch = separableBatch(m.config, { n: 8, seed: 2 });
      pretrainImagingRound(m, batch, { epochs: 1, batchSize: 4, learningRate: 1e-2, seed: 7 });
      return Array.from(getWeights(m).weights);
    };
    expect(run()).toEqual(run());
  });

  it('refuses a site with fewer than two images and leaves the weights as they were', () => {
    const m = model();
    const batch = separableBatch(m.config, { n: 3, seed: 3 });
    for (let r = 1; r < 3; r++) batch.present[r * 3 + 1] = 0;
    const before = Array.from(getWeights(m).weights);
    expect(() =>
      pretrainImagingRound(m, batch, { epochs: 1, batchSize: 4, learningRate: 1e-2, seed: 1 }),
    ).toThrow(/fewer than 2 images/);
    expect(Array.from(getWeights(m).weights)).toEqual(before);
  });
});
