import * as tf from '@tensorflow/tfjs-core';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { convFilterAndBiasGradient, poolReluGradientOnWasm } from './conv-pool-kernels.ts';
import { createRng, normal } from './rng.ts';

interface Values {
  shape: number[];
  values: Float32Array;
}

const read = (t: tf.Tensor): Values => ({ shape: t.shape, values: t.dataSync() as Float32Array });

function randomValues(shape: number[], seed: number): Values {
  const random = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: size }, () => normal(random)) };
}

const tensor = (v: Values) => tf.tensor(v.values, v.shape);

/** Largest difference relative to the reference's largest magnitude (at least 1). */
function relativeError(actual: Values, expected: Values): number {
  expect(actual.shape).toEqual(expected.shape);
  const scale = Math.max(1, ...Array.from(expected.values, Math.abs));
  let worst = 0;
  for (let i = 0; i < actual.values.length; i++)
    worst = Math.max(worst, Math.abs(actual.values[i]! - expected.values[i]!));
  return worst / scale;
}

/** Runs `f` on the cpu backend (tfjs' stock kernels), then switches back to wasm. */
async function onCpu<T>(f: () => T): Promise<T> {
  await initBackend({ backend: 'cpu', log: () => {} });
  try {
    let result: T | undefined;
    tf.tidy(() => {
      result = f();
    });
    return result!;
  } finally {
    await initBackend({ backend: 'wasm', log: () => {} });
  }
}

describe('wasm loop kernels of the conv→ReLU→max-pool backward pass', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
  });
  afterAll(async () => {
    await initBackend({ backend: 'cpu', log: () => {} });
  });

  for (const shape of [
    [2, 6, 8, 3],
    [1, 5, 7, 2],
  ]) {
    it(`route the pooled gradient as the ops they replace, and as tfjs' own gradients where no maxima tie, ${shape.join('×')}`, async () => {
      // Rounded values make ties within windows, and the ReLU makes zeros, some of them window maxima.
      const pre = randomValues(shape, 3);
      pre.values = pre.values.map((v) => Math.round(v * 2) / 2);
      const y = tf.relu(tensor(pre)) as Tensor4D;
      const pooled = tf.maxPool(y, 2, 2, 'valid');
      const dPooled = randomValues(pooled.shape, 4);
      const actual = read(poolReluGradientOnWasm(tensor(dPooled) as Tensor4D, y, pooled));
      const [stock, ops] = await onCpu(() => {
        const x = tensor(pre);
        const upstream = tensor(dPooled) as Tensor4D;
        const stockGradient = tf.grad((v: tf.Tensor) =>
          tf.sum(tf.mul(tf.maxPool(tf.relu(v) as Tensor4D, 2, 2, 'valid'), upstream)),
        )(x);
        // The same-shape ops this kernel replaces, which share the gradient among tied maxima.
        const relu = tf.relu(x) as Tensor4D;
        const size: [number, number] = [2 * pooled.shape[1], 2 * pooled.shape[2]];
        const up = (t: Tensor4D) => tf.image.resizeNearestNeighbor(t, size);
        const cropped = tf.slice(relu, [0, 0, 0, 0], [-1, 2 * pooled.shape[1], 2 * pooled.shape[2], -1]);
        const isMax = tf.sub(1, tf.step(tf.sub(up(tf.maxPool(relu, 2, 2, 'valid')), cropped)));
        const routed = tf.mul(tf.mul(up(upstream), isMax), tf.step(cropped));
        const padding = [
          [0, 0],
          [0, shape[1]! % 2],
          [0, shape[2]! % 2],
          [0, 0],
        ] as [number, number][];
        return [read(stockGradient), read(tf.pad(routed, padding))];
      });
      expect(relativeError(actual, ops)).toBe(0);
      // tfjs' own max-pool gradient gives a tie to one of the tied positions; elsewhere they agree.
      const ties = tiedPositions(pre, pooled.shape);
      expect(ties.some(Boolean)).toBe(true);
      const untied = (v: Values): Values => ({
        shape: v.shape,
        values: v.values.map((x, i) => (ties[i] ? 0 : x)),
      });
      expect(relativeError(untied(actual), untied(stock))).toBe(0);
      expect(actual.values.some((v) => v !== 0)).toBe(true);
    });
  }

  for (const [filter, channelsIn, channelsOut, shape] of [
    [3, 1, 4, [3, 8, 8]],
    [3, 3, 5, [2, 7, 6]],
    [5, 2, 3, [2, 6, 9]],
    [1, 4, 2, [2, 5, 5]],
    [2, 3, 2, [2, 6, 7]],
  ] as const) {
    it(`give a ${filter}×${filter} 'same' conv's filter and bias gradients as the stock cpu kernels, ${channelsIn}→${channelsOut} channels on ${shape.join('×')}`, async () => {
      const x = randomValues([...shape, channelsIn], 1);
      const w = randomValues([filter, filter, channelsIn, channelsOut], 2);
      const b = randomValues([channelsOut], 3);
      const g = randomValues([...shape, channelsOut], 4);
      const { dW, dB } = convFilterAndBiasGradient(tensor(x) as Tensor4D, tensor(g) as Tensor4D, [
        filter,
        filter,
      ]);
      const [actualW, actualB] = [read(dW), read(dB)];
      const [expectedW, expectedB] = await onCpu(() =>
        tf
          .grads((kernel: tf.Tensor, bias: tf.Tensor) =>
            tf.sum(
              tf.mul(
                tf.add(tf.conv2d(tensor(x) as Tensor4D, kernel as Tensor4D, 1, 'same'), bias),
                tensor(g),
              ),
            ),
          )([tensor(w), tensor(b)])
          .map(read),
      );
      expect(relativeError(actualW, expectedW!)).toBeLessThan(1e-5);
      expect(relativeError(actualB, expectedB!)).toBeLessThan(1e-5);
    });
  }
});

/** Per input position, whether its 2×2 window's maximum is attained more than once. */
function tiedPositions(pre: Values, pooledShape: number[]): boolean[] {
  const [images, height, width, channels] = pre.shape as [number, number, number, number];
  const [, poolHeight, poolWidth] = pooledShape as [number, number, number];
  const at = (n: number, [i, j]: [number, number], c: number) =>
    ((n * height + i) * width + j) * channels + c;
  const tied = Array.from({ length: pre.values.length }, () => false);
  for (let n = 0; n < images; n++)
    for (let i = 0; i < poolHeight; i++)
      for (let j = 0; j < poolWidth; j++)
        for (let c = 0; c < channels; c++) {
          const window = [0, 1, 2, 3].map((k) => at(n, [2 * i + (k >> 1), 2 * j + (k & 1)], c));
          const values = window.map((p) => Math.max(0, pre.values[p]!));
          const max = Math.max(...values);
          if (values.filter((v) => v === max).length > 1) for (const p of window) tied[p] = true;
        }
  return tied;
}
