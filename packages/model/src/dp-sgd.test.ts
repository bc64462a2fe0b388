import * as tf from '@tensorflow/tfjs-core';
import { computeEpsilon } from '@fedfuse/privacy';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import type { ModelBatch } from './batch.ts';
import { presentRows } from './batch-tensors.ts';
import type { DpSgdOptions } from './dp-sgd.ts';
import { dpSgdEpsilon, privateGradients, replicaPrivateSum } from './dp-sgd.ts';
import { FlatAdam } from './flat-adam.ts';
import { GradientExchange } from './gradient-exchange.ts';
import type { TriModalModel } from './model.ts';
import { createModel } from './model.ts';
import { separableBatch, smallConfig } from './testing/fixtures.ts';
import { trainLocalRound } from './train.ts';
import { getWeights } from './weights.ts';

// No genomics noise: with it each example of a DP-SGD step draws its own, ordinary training one per batch.
const deterministic = { ...smallConfig, genomicsNoise: 0 };
const models: TriModalModel[] = [];
function model(partial = {}): TriModalModel {
  const created = createModel({ ...deterministic, ...partial });
  models.push(created);
  return created;
}
beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});
afterEach(() => models.splice(0).forEach((m) => m.dispose()));

/** A step over every row of `batch`, in order, every modality it has kept. */
function wholeBatchPlan(m: TriModalModel, batch: ModelBatch) {
  const rows = Int32Array.from({ length: batch.n }, (_, i) => i);
  return {
    rows,
    present: presentRows(batch, rows),
    labels: batch.labels,
    trainable: new Uint8Array(m.variables.length),
    noiseSeed: 1,
  };
}

/** The privatised gradient of one step over every row of `batch`, flattened in variable order. */
function stepGradient(m: TriModalModel, batch: ModelBatch, dp: DpSgdOptions): Float64Array {
  const optimizer = new FlatAdam(m.variables, 1e-3);
  const plan = wholeBatchPlan(m, batch);
  const flat = tf.tidy(() => {
    const { grads } = privateGradients({ model: m, batch, optimizer }, plan, dp);
    return Float32Array.from(grads.flatMap((g) => Array.from(g.dataSync())));
  });
  return Float64Array.from(flat);
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
const distance = (a: Float64Array, b: Float64Array) => norm(a.map((x, i) => x - (b[i] ?? NaN)));

describe('DP-SGD in trainLocalRound', () => {
  const options = { epochs: 2, batchSize: 8, learningRate: 1e-2, seed: 5 };

  it('with no noise and no clipping trains exactly as ordinary training does', () => {
    const plain = model();
    const privateRun = model();
    const batch = separableBatch(plain.config, { n: 24, seed: 3 });
    const ordinary = trainLocalRound(plain, batch, options);
    const dp = trainLocalRound(privateRun, batch, {
      ...options,
      dpSgd: { clip: Infinity, noiseMultiplier: 0 },
    });
    const a = getWeights(plain).weights;
    const b = getWeights(privateRun).weights;
    expect(a).not.toEqual(getWeights(model()).weights); // it trained
    let worst = 0;
    a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (b[i] ?? NaN)))));
    expect(worst).toBeLessThan(1e-4);
    dp.lossPerEpoch.forEach((loss, e) => expect(loss).toBeCloseTo(ordinary.lossPerEpoch[e] ?? NaN, 4));
    expect(dp.steps).toBe(ordinary.steps);
  });

  it('with noise moves the weights differently on every run, and leaves no tensor behind', () => {
    const batch = separableBatch(model().config, { n: 8, seed: 4 });
    const runs = [0, 1, 1].map((z) => {
      const m = model();
      const tensors = tf.memory().numTensors;
      trainLocalRound(m, batch, { ...options, epochs: 1, dpSgd: { clip: 1, noiseMultiplier: z } });
      expect(tf.memory().numTensors).toBe(tensors);
      return getWeights(m).weights;
    });
    expect(runs[1]).not.toEqual(runs[0]);
    expect(runs[2]).not.toEqual(runs[1]);
  });

  it('refuses bad DP-SGD options, naming the field, before training', () => {
    const m = model();
    const batch = separableBatch(m.config, { n: 8, seed: 1 });
    const before = getWeights(m).weights;
    const bad: [DpSgdOptions, RegExp][] = [
      [{ clip: 0, noiseMultiplier: 1 }, /dpSgd.clip/],
      [{ clip: Number.NaN, noiseMultiplier: 1 }, /dpSgd.clip/],
      [{ clip: 1, noiseMultiplier: -1 }, /dpSgd.noiseMultiplier/],
      [{ clip: Infinity, noiseMultiplier: 1 }, /dpSgd.clip must be finite/],
    ];
    for (const [dpSgd, message] of bad) {
      expect(() => trainLocalRound(m, batch, { ...options, dpSgd })).toThrow(message);
    }
    expect(getWeights(m).weights).toEqual(before);
  });
});

describe(privateGradients.name, () => {
  it('bounds each example: with a tiny clip the mean gradient has norm ≤ C', () => {
    const m = model({ l2: 0 });
    const clip = 1e-3;
    const gradient = stepGradient(m, separableBatch(m.config, { n: 12, seed: 2 }), {
      clip,
      noiseMultiplier: 0,
    });
    expect(norm(gradient)).toBeGreaterThan(0);
    expect(norm(gradient)).toBeLessThanOrEqual(clip * (1 + 1e-4));
  });

  it('replacing one example by an outlier moves the gradient by at most 2C / B', () => {
    const m = model({ l2: 0 });
    const batch = separableBatch(m.config, { n: 10, seed: 7 });
    const outlier = structuredClone(batch);
    outlier.ehr.fill(50, 0, m.config.ehrDim);
    outlier.genomics.fill(-50, 0, m.config.genomicsDim);
    outlier.labels[0] = 1 - (outlier.labels[0] ?? 0);
    const clip = 0.5;
    const dp = { clip, noiseMultiplier: 0 };
    const moved = distance(stepGradient(m, batch, dp), stepGradient(m, outlier, dp));
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThanOrEqual(((2 * clip) / batch.n) * (1 + 1e-4));
    // Unclipped, the same outlier moves it far more: the bound above is the clipping's doing.
    const unclipped = { clip: Infinity, noiseMultiplier: 0 };
    expect(distance(stepGradient(m, batch, unclipped), stepGradient(m, outlier, unclipped))).toBeGreaterThan(
      (2 * clip) / batch.n,
    );
  });

  it('adds noise of standard deviation z·C / B to every coordinate', () => {
    const m = model({ l2: 0 });
    const batch = separableBatch(m.config, { n: 4, seed: 9 });
    const dp = { clip: 0.8, noiseMultiplier: 1.5 };
    const clean = stepGradient(m, batch, { ...dp, noiseMultiplier: 0 });
    const noise = stepGradient(m, batch, dp).map((g, i) => g - (clean[i] ?? NaN));
    const sd = norm(noise) / Math.sqrt(noise.length);
    const expected = (1.5 * 0.8) / batch.n;
    // Thousands of coordinates: the sample sd is within 5 standard errors of σ.
    expect(Math.abs(sd / expected - 1)).toBeLessThan(5 / Math.sqrt(2 * noise.length));
  });
});

describe(replicaPrivateSum.name, () => {
  it("splits a step's examples between replicas and adds the noise once, in replica 0", () => {
    const m = model({ l2: 0 });
    const batch = separableBatch(m.config, { n: 6, seed: 11 });
    const optimizer = new FlatAdam(m.variables, 1e-3);
    const context = { model: m, batch, optimizer };
    const plan = wholeBatchPlan(m, batch);
    const size = m.variables.reduce((sum, v) => sum + v.size, 0);
    const buffer = GradientExchange.allocate(2, size + 6);
    // Each replica's share, summed here as the all-reduce would.
    const summed = (dp: DpSgdOptions) => {
      const shares = [0, 1].map((index) => {
        const exchange = new GradientExchange({ buffer, replicas: 2, index, size: size + 6, waitLimitMs: 1 });
        return replicaPrivateSum(context, plan, { exchange, dp });
      });
      return Float64Array.from(shares[0]!.subarray(0, size), (v, i) => v + (shares[1]![i] ?? NaN));
    };
    const dp = { clip: 0.5, noiseMultiplier: 3 };
    const tensors = tf.memory().numTensors;
    const clean = summed({ ...dp, noiseMultiplier: 0 });
    expect(tf.memory().numTensors).toBe(tensors);
    const whole = stepGradient(m, batch, { ...dp, noiseMultiplier: 0 });
    clean.forEach((v, i) => expect(v / batch.n).toBeCloseTo(whole[i] ?? NaN, 5));
    const noise = summed(dp).map((v, i) => v - (clean[i] ?? NaN));
    const sd = norm(noise) / Math.sqrt(noise.length);
    // σ = z·C on the sum once; twice would be √2 times that.
    expect(Math.abs(sd / (3 * 0.5) - 1)).toBeLessThan(5 / Math.sqrt(2 * noise.length));
  });
});

describe(dpSgdEpsilon.name, () => {
  it('accounts ⌈n / B⌉ steps an epoch at sample rate B / n', () => {
    const result = dpSgdEpsilon({
      batchSize: 256,
      datasetSize: 60_000,
      epochs: 60,
      noiseMultiplier: 1.12,
      delta: 1e-5,
    });
    // 235 steps an epoch; TF-Privacy's tutorial counts ⌊60·60000/256⌋ = 14 062 in all and gets 2.52.
    const tutorial = computeEpsilon({
      steps: [{ sampleRate: 256 / 60_000, noiseMultiplier: 1.12, count: 14_062 }],
      delta: 1e-5,
    });
    expect(result.epsilon).toBeGreaterThan(tutorial.epsilon);
    expect(result.epsilon).toBeLessThan(tutorial.epsilon + 0.02);
  });

  it('takes every record each step when the batch covers the data set: ε of the plain Gaussian', () => {
    const result = dpSgdEpsilon({
      batchSize: 500,
      datasetSize: 200,
      epochs: 3,
      noiseMultiplier: 4,
      delta: 1e-5,
    });
    const plain = computeEpsilon({ steps: [{ sampleRate: 1, noiseMultiplier: 4, count: 3 }], delta: 1e-5 });
    expect(result).toEqual(plain);
  });

  it('refuses bad arguments, naming them', () => {
    const ok = { batchSize: 32, datasetSize: 1000, epochs: 2, noiseMultiplier: 1, delta: 1e-5 };
    expect(() => dpSgdEpsilon({ ...ok, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => dpSgdEpsilon({ ...ok, datasetSize: 10.5 })).toThrow(/datasetSize/);
    expect(() => dpSgdEpsilon({ ...ok, epochs: 0 })).toThrow(/epochs/);
    expect(() => dpSgdEpsilon({ ...ok, noiseMultiplier: 0 })).toThrow(/noiseMultiplier/);
    expect(() => dpSgdEpsilon({ ...ok, delta: 1 })).toThrow(/delta/);
  });
});
