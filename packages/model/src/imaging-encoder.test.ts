import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { evaluateModel } from './evaluate.ts';
import { groupNorm, groupNormByOps, groupsFor, imagingSpecs, standardizeImages } from './imaging-encoder.ts';
import type { TriModalModel } from './model.ts';
import { createModel } from './model.ts';
import { resolveModelConfig } from './config.ts';
import { separableBatch, smallConfig } from './testing/fixtures.ts';
import { trainLocalRound } from './train.ts';

const models: TriModalModel[] = [];
beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});
afterEach(() => models.splice(0).forEach((m) => m.dispose()));

const ENCODER = {
  imageStandardize: true,
  imageGroupNorm: 2,
  imagePooling: 'global',
  imageRateScale: 4,
} as const;

describe('standardizeImages', () => {
  it('maps each image to zero mean and unit variance over its own pixels', () => {
    // Image 1: 1, 2, 3, 4 (mean 2.5, variance 1.25); image 2 is image 1 × 10 + 5 (same result).
    const x = tf.tensor4d([1, 2, 3, 4, 15, 25, 35, 45], [2, 2, 2, 1]);
    const sd = Math.sqrt(1.25 + 1e-5);
    const expected = [-1.5, -0.5, 0.5, 1.5].map((v) => v / sd);
    const out = Array.from(standardizeImages(x).dataSync());
    out.slice(0, 4).forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 5));
    out.slice(4).forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 3));
  });

  it('leaves an all-zero (absent) image at zero', () => {
    expect(Array.from(standardizeImages(tf.zeros([1, 2, 2, 1])).dataSync())).toEqual([0, 0, 0, 0]);
  });
});

describe('groupNorm', () => {
  it('normalizes each group of channels over its pixels, then scales and shifts per channel', () => {
    // 1 image, 1×2 pixels, 4 channels in 2 groups: group 1 = channels 0–1, group 2 = channels 2–3.
    const x = tf.tensor4d([1, 3, 10, 10, 5, 7, 10, 30], [1, 1, 2, 4]);
    const params = { scaleDelta: tf.tensor1d([0, 1, 0, 0]), shift: tf.tensor1d([0, 0, 0, 0.5]) };
    const out = Array.from(groupNorm(x, params, 2).dataSync());
    // Group 1: values 1, 3, 5, 7: mean 4, variance 5. Group 2: 10, 10, 10, 30: mean 15, variance 75.
    const g1 = (v: number) => (v - 4) / Math.sqrt(5 + 1e-5);
    const g2 = (v: number) => (v - 15) / Math.sqrt(75 + 1e-5);
    const expected = [g1(1), 2 * g1(3), g2(10), g2(10) + 0.5, g1(5), 2 * g1(7), g2(10), g2(30) + 0.5];
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
  });

  it('gives the values and the gradients in x, scale and shift of the tfjs ops, to float rounding', () => {
    const x = tf.randomNormal([3, 5, 4, 6], 2, 3, 'float32', 1) as tf.Tensor4D;
    const scaleDelta = tf.randomNormal([6], 0, 0.5, 'float32', 2);
    const shift = tf.randomNormal([6], 0, 0.5, 'float32', 3);
    const dy = tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 4);
    const gradients = (norm: typeof groupNorm) =>
      tf.grads((a, s, t) => tf.sum(tf.mul(norm(a as tf.Tensor4D, { scaleDelta: s!, shift: t! }, 3), dy)))([
        x,
        scaleDelta,
        shift,
      ]);
    const loops = [groupNorm(x, { scaleDelta, shift }, 3), ...gradients(groupNorm)];
    const ops = [groupNormByOps(x, { scaleDelta, shift }, 3), ...gradients(groupNormByOps)];
    loops.forEach((tensor, i) => {
      const reference = ops[i]!.dataSync() as Float32Array;
      expect(tensor.shape).toEqual(ops[i]!.shape);
      const scale = reference.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
      expect(scale).toBeGreaterThan(0.1);
      tensor
        .dataSync()
        .forEach((v, j) => expect(Math.abs(v - reference[j]!) / scale, `output ${i}`).toBeLessThan(1e-5));
    });
  });

  it('uses the largest group count that divides the channels', () => {
    expect(groupsFor(16, 8)).toBe(8);
    expect(groupsFor(4, 8)).toBe(4);
    expect(groupsFor(12, 8)).toBe(6);
  });
});

describe('the imaging encoder options', () => {
  it('lay out norm parameters after every block but the last, and a projection from the global mean and max', () => {
    const specs = imagingSpecs(resolveModelConfig({ ...smallConfig, ...ENCODER }));
    expect(specs.map((s) => s.name)).toEqual([
      'imaging.conv1.kernel',
      'imaging.conv1.bias',
      'imaging.norm1.scale',
      'imaging.norm1.shift',
      'imaging.conv2.kernel',
      'imaging.conv2.bias',
      'imaging.project.kernel',
      'imaging.project.bias',
    ]);
    // 2 × 8 channels and the 6 texture energies (on by default) → d = 16.
    expect(specs.at(-2)?.shape).toEqual([16 + 6, 16]);
    // Stored weights are He-initialised ÷ the rate scale: fan-in × 4².
    expect(specs[0]?.fanIn).toBe(9 * 16);
  });

  it('are refused with the field named when they cannot build an encoder', () => {
    expect(() => resolveModelConfig({ ...smallConfig, imageLinearGrid: 5 })).toThrow(
      /imageLinearGrid must be 0 or divide imageShape 16×16×1, got 5/,
    );
    expect(() => resolveModelConfig({ ...smallConfig, imageGroupNorm: -1 })).toThrow(/imageGroupNorm/);
    expect(() => resolveModelConfig({ ...smallConfig, imageRateScale: 0 })).toThrow(/imageRateScale/);
    expect(() => resolveModelConfig({ ...smallConfig, imagePooling: 'sum' as never })).toThrow(
      /imagePooling/,
    );
  });

  it('train on wasm and learn the image cue', () => {
    const m = createModel({ ...smallConfig, ...ENCODER });
    models.push(m);
    const train = separableBatch(m.config, { n: 256, seed: 1 });
    const test = separableBatch(m.config, { n: 200, seed: 2 });
    const result = trainLocalRound(m, train, { epochs: 8, batchSize: 32, learningRate: 1e-2, seed: 1 });
    expect(result.lossPerEpoch.at(-1)!).toBeLessThan(result.lossPerEpoch[0]!);
    for (const name of ['imaging.norm1.scale', 'imaging.conv1.kernel'])
      expect(Array.from(m.param(name).dataSync()).some((v) => v !== 0)).toBe(true);
    const imagingOnly = evaluateModel(m, test, { hide: ['ehr', 'genomics'] });
    expect(imagingOnly.tasks.cardiac!.auc).toBeGreaterThan(0.9);
  });
});
