import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { createModel } from './model.ts';
import { separableBatch, smallConfig } from './testing/fixtures.ts';
import { trainLocalRound } from './train.ts';
import { TrainingPool } from './training-pool.ts';
import { getWeights } from './weights.ts';

// Noise-free: the denoising noise is drawn per part of a mini-batch, so only without it can two threads
// reproduce one thread's weights.
const config = { ...smallConfig, genomicsNoise: 0, imageFeatureDropout: 0 };
const options = { epochs: 2, batchSize: 13, learningRate: 1e-2, seed: 7, modalityKeepProb: 0.8 };

let pool: TrainingPool;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
  pool = await TrainingPool.start({ threads: 2 });
});
afterAll(async () => {
  await pool.close();
});

function maxDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i]!)), 0);
}

describe(TrainingPool.name, () => {
  it('ends a round with the weights and losses of one thread, to float rounding', async () => {
    const single = createModel(config);
    const parallel = createModel(config);
    // 40 rows in batches of 13: the last step has one row, so one replica's part is empty.
    const batch = separableBatch(single.config, { n: 40, seed: 3 });
    for (let r = 0; r < 10; r++) batch.present[r * 3 + 2] = 0;
    batch.labels.fill(Number.NaN, 0, 6);
    const start = getWeights(single).weights;
    const one = trainLocalRound(single, batch, { ...options, proximal: { mu: 0.1, reference: start } });
    const epochs: number[] = [];
    const two = await pool.train(parallel, batch, {
      ...options,
      proximal: { mu: 0.1, reference: start },
      onEpoch: (epoch) => epochs.push(epoch),
    });
    const [after1, after2] = [getWeights(single).weights, getWeights(parallel).weights];
    expect(maxDifference(after1, start)).toBeGreaterThan(1e-3);
    expect(maxDifference(after1, after2)).toBeLessThan(1e-5);
    expect(two.steps).toBe(one.steps);
    expect(epochs).toEqual([1, 2]);
    two.lossPerEpoch.forEach((loss, i) => expect(loss).toBeCloseTo(one.lossPerEpoch[i]!, 4));
    for (const [term, value] of Object.entries(one.lossTerms))
      expect(two.lossTerms[term as keyof typeof one.lossTerms], term).toBeCloseTo(value, 4);
    single.dispose();
    parallel.dispose();
  });

  it("fails a round with the replicas' own error, and trains the next one", async () => {
    const model = createModel(config);
    const batch = separableBatch(model.config, { n: 16, seed: 5 });
    const before = getWeights(model).weights;
    // A step far too large: every replica reads the same summed loss and stops at the same step.
    await expect(pool.train(model, batch, { ...options, learningRate: 1e30 })).rejects.toThrow(
      /^Training diverged: loss is (NaN|Infinity) at epoch 1$/,
    );
    expect(getWeights(model).weights).toEqual(before);
    const result = await pool.train(model, batch, options);
    expect(result.steps).toBe(4);
    expect(maxDifference(getWeights(model).weights, before)).toBeGreaterThan(0);
    model.dispose();
  });

  it('runs DP-SGD across the replicas with the weights of one thread', async () => {
    const single = createModel(config);
    const parallel = createModel(config);
    // 20 rows in batches of 13: the replicas split 13 and 7 examples, then 4 and 3.
    const batch = separableBatch(single.config, { n: 20, seed: 2 });
    const clipped = { ...options, dpSgd: { clip: 0.5, noiseMultiplier: 0 } };
    const start = getWeights(single).weights;
    const one = trainLocalRound(single, batch, clipped);
    const two = await pool.train(parallel, batch, clipped);
    expect(maxDifference(getWeights(single).weights, start)).toBeGreaterThan(1e-3);
    expect(maxDifference(getWeights(single).weights, getWeights(parallel).weights)).toBeLessThan(1e-5);
    two.lossPerEpoch.forEach((loss, i) => expect(loss).toBeCloseTo(one.lossPerEpoch[i]!, 4));
    [single, parallel].forEach((m) => m.dispose());
  });
});
