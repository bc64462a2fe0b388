import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { copyValues } from './copy-values.ts';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe(copyValues.name, () => {
  it("writes a tensor's values at the offset and nothing else, leaving the tensor as it was", () => {
    const tensor = tf.tensor2d([1.5, -2, 3.25, 4, 5, -6], [2, 3]);
    const target = new Float32Array(10).fill(9);
    copyValues(tensor, target, 3);
    expect(Array.from(target)).toEqual([9, 9, 9, 1.5, -2, 3.25, 4, 5, -6, 9]);
    // A copy, not a view: writing the target leaves the tensor's values alone.
    target[3] = 0;
    expect(Array.from(tensor.dataSync())).toEqual([1.5, -2, 3.25, 4, 5, -6]);
    tensor.dispose();
  });
});
