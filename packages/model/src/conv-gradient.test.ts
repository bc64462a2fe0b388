import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { conv2dFilterGradient, conv2dInputGradient } from './conv-gradient.ts';
import { convReluPool } from './layers.ts';
import { createRng, normal } from './rng.ts';

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const random = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => normal(random)),
    shape,
  );
}

function expectClose(actual: tf.Tensor, expected: tf.Tensor, tolerance = 1e-4): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  const e = expected.dataSync();
  const scale = Math.max(1, ...Array.from(e, Math.abs));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!));
  expect(worst / scale).toBeLessThan(tolerance);
}

/** Reference gradients of Σ dy·conv(x, W) from tfjs' stock kernels on the cpu backend. */
function stockGradients(x: tf.Tensor, w: tf.Tensor, dy: tf.Tensor): tf.Tensor[] {
  return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as Tensor4D, b as Tensor4D, 1, 'same'), dy)),
  )([x, w]);
}

describe('composite Conv2D gradients', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu', log: () => {} });
  });

  for (const [kernel, channelsIn, channelsOut] of [
    [3, 3, 4],
    [5, 2, 3],
    [1, 4, 2],
    [2, 3, 2],
  ] as const) {
    it(`equal the stock cpu gradients for a ${kernel}×${kernel} filter, ${channelsIn}→${channelsOut} channels`, () => {
      const x = randomTensor([2, 7, 6, channelsIn], 1) as Tensor4D;
      const w = randomTensor([kernel, kernel, channelsIn, channelsOut], 2) as Tensor4D;
      const dy = randomTensor([2, 7, 6, channelsOut], 3) as Tensor4D;
      const [dx, dw] = stockGradients(x, w, dy);
      expectClose(conv2dFilterGradient(x, dy, [kernel, kernel]), dw!);
      expectClose(conv2dInputGradient(dy, w), dx!);
    });
  }

  for (const inputNeedsGradient of [true, false]) {
    it(`give the same conv+bias+ReLU+max-pool gradients on wasm as the stock cpu kernels (dX ${inputNeedsGradient ? 'on' : 'off'})`, async () => {
      const shapes = [[3, 8, 8, 2], [3, 3, 2, 5], [5], [3, 4, 4, 5]];
      const run = () => {
        const [x, w, b, dy] = shapes.map((s, i) => randomTensor(s, 10 + i)) as [
          Tensor4D,
          Tensor4D,
          Tensor1D,
          Tensor4D,
        ];
        const loss = (...v: tf.Tensor[]) => {
          const [input, kernel, bias] = inputNeedsGradient ? v : [x, ...v];
          const pooled = convReluPool(
            input as Tensor4D,
            { kernel: kernel!, bias: bias! },
            inputNeedsGradient,
          );
          return tf.sum(tf.mul(pooled, dy));
        };
        return tf
          .grads(loss)(inputNeedsGradient ? [x, w, b] : [w, b])
          .map((g) => ({ shape: g.shape, values: g.dataSync().slice() }));
      };
      const onCpu = run();
      await initBackend({ backend: 'wasm', log: () => {} });
      const onWasm = run();
      await initBackend({ backend: 'cpu', log: () => {} });
      expect(onWasm).toHaveLength(inputNeedsGradient ? 3 : 2);
      onWasm.forEach((g, i) =>
        expectClose(tf.tensor(g.values, g.shape), tf.tensor(onCpu[i]!.values, onCpu[i]!.shape)),
      );
    });
  }
});
