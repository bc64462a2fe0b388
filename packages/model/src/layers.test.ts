import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { globalMax } from './layers.ts';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe(globalMax.name, () => {
  it("gives tfjs' max over the pixels and its gradient, ties included", () => {
    // Rounded values: many ties for the maximum within each image's channel.
    const x = tf.round(tf.randomUniform([3, 4, 5, 6], 0, 3, 'float32', 1)) as tf.Tensor4D;
    const dy = tf.randomNormal([3, 6], 0, 1, 'float32', 2);
    const ours = tf.grad((a) => tf.sum(tf.mul(globalMax(a as tf.Tensor4D), dy)))(x);
    const stock = tf.grad((a) => tf.sum(tf.mul(tf.max(a, [1, 2]), dy)))(x);
    expect(globalMax(x).arraySync()).toEqual(tf.max(x, [1, 2]).arraySync());
    expect(ours.shape).toEqual(x.shape);
    const tied = tf.sum(tf.cast(tf.notEqual(ours, 0), 'int32')).dataSync()[0]!;
    expect(tied).toBeGreaterThan(3 * 6);
    expect(ours.arraySync()).toEqual(stock.arraySync());
  });
});
