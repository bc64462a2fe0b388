import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { evaluateModel } from './evaluate.ts';
import type { TriModalModel } from './model.ts';
import { createModel } from './model.ts';
import { separableBatch, smallConfig } from './testing/fixtures.ts';
import { trainLocalRound } from './train.ts';
import { getWeights } from './weights.ts';

const models: TriModalModel[] = [];
function model(partial = {}): TriModalModel {
  const created = createModel({ ...smallConfig, ...partial });
  models.push(created);
  return created;
}
beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});
afterEach(() => models.splice(0).forEach((m) => m.dispose()));

function groupSlice(m: TriModalModel, weights: Float32Array, group: string): Float32Array {
  const { manifest } = getWeights(m);
  const entries = manifest.entries.filter((e) => e.group === group);
  return Float32Array.from(
    entries.flatMap((e) => Array.from(weights.subarray(e.offset, e.offset + e.length))),
  );
}

describe('trainLocalRound', () => {
  it('learns a small separable problem on wasm (AUC > 0.9 on held-out patients)', () => {
    const m = model();
    const train = separableBatch(m.config, { n: 256, seed: 1 });
    const test = separableBatch(m.config, { n: 200, seed: 2 });
    const result = trainLocalRound(m, train, {
      epochs: 8,
      batchSize: 32,
      learningRate: 1e-2,
      seed: 1,
      modalityKeepProb: 0.85,
    });
    expect(result.lossPerEpoch).toHaveLength(8);
    expect(result.lossPerEpoch.at(-1)!).toBeLessThan(result.lossPerEpoch[0]!);
    const evaluation = evaluateModel(m, test);
    expect(evaluation.tasks.cancer!.auc).toBeGreaterThan(0.9);
    expect(evaluation.tasks.cardiac!.auc).toBeGreaterThan(0.9);
  });

  it('does not touch the imaging encoder at a site without images, and says so in its counts', () => {
    const m = model();
    const batch = separableBatch(m.config, { n: 64, seed: 4 });
    for (let r = 0; r < batch.n; r++) batch.present[r * 3 + 1] = 0;
    batch.labels.fill(Number.NaN, 0, 10); // rows 0–4: no labels
    const before = getWeights(m).weights;
    const result = trainLocalRound(m, batch, { epochs: 2, batchSize: 16, learningRate: 1e-2, seed: 3 });
    const after = getWeights(m).weights;
    expect(groupSlice(m, after, 'imaging')).toEqual(groupSlice(m, before, 'imaging'));
    expect(groupSlice(m, after, 'ehr')).not.toEqual(groupSlice(m, before, 'ehr'));
    expect(result.groupExamples).toEqual({
      ehr: 64,
      imaging: 0,
      genomics: 64,
      fusion: 64,
      'head.cancer': 59,
      'head.cardiac': 59,
    });
  });

  it('stays near the global weights under a strong FedProx term', () => {
    const run = (mu: number) => {
      const m = model();
      const reference = getWeights(m).weights;
      trainLocalRound(m, separableBatch(m.config, { n: 64, seed: 6 }), {
        epochs: 2,
        batchSize: 16,
        learningRate: 1e-2,
        seed: 1,
        proximal: { mu, reference },
      });
      const after = getWeights(m).weights;
      return Math.sqrt(after.reduce((s, v, i) => s + (v - reference[i]!) ** 2, 0));
    };
    expect(run(100)).toBeLessThan(run(0) * 0.5);
  });

  it('refuses bad options and inputs with a message naming them', () => {
    const m = model();
    const batch = separableBatch(m.config, { n: 8, seed: 1 });
    const ok = { epochs: 1, batchSize: 4, learningRate: 1e-3, seed: 1 };
    expect(() => trainLocalRound(m, batch, { ...ok, epochs: 0 })).toThrow(/epochs must be ≥ 1/);
    expect(() => trainLocalRound(m, batch, { ...ok, learningRate: Number.NaN })).toThrow(/learningRate/);
    batch.labels[3] = 2;
    expect(() => trainLocalRound(m, batch, ok)).toThrow(/label 3 is 2/);
  });
});

describe('loss terms', () => {
  it('reports the objective split into its terms, which add up to the loss it reports', () => {
    const m = model({ l2: 1e-2 });
    const batch = separableBatch(m.config, { n: 32, seed: 8 });
    const reference = getWeights(m).weights;
    const result = trainLocalRound(m, batch, {
      epochs: 2,
      batchSize: 16,
      learningRate: 1e-2,
      seed: 2,
      proximal: { mu: 0.5, reference },
    });
    const { task, auxiliary, alignment, reconstruction, l2, proximal } = result.lossTerms;
    expect(task).toBeGreaterThan(0.3); // masked BCE of an untrained-ish model, not a penalty
    expect(task).toBeLessThan(1.5);
    for (const term of [auxiliary, alignment, reconstruction, l2, proximal]) expect(term).toBeGreaterThan(0);
    const sum = task + auxiliary + alignment + reconstruction + l2 + proximal;
    expect(sum).toBeCloseTo(result.lossPerEpoch.at(-1)!, 5);
  });

  it('reports no L2 or proximal term when neither is asked for', () => {
    const m = model({ l2: 0 });
    const result = trainLocalRound(m, separableBatch(m.config, { n: 16, seed: 1 }), {
      epochs: 1,
      batchSize: 16,
      learningRate: 1e-2,
      seed: 1,
    });
    expect(result.lossTerms.l2).toBe(0);
    expect(result.lossTerms.proximal).toBe(0);
    expect(result.lossTerms.task).toBeGreaterThan(0);
  });
});
