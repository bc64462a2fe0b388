import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { createRng, normal } from './rng.ts';

function randomValues(shape: [number, number], seed: number): Float32Array {
  const random = createRng(seed);
  return Float32Array.from({ length: shape[0] * shape[1] }, () => normal(random));
}

describe('the wasm kernels FedFuse replaces', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
  });
  afterAll(async () => {
    await initBackend({ backend: 'cpu', log: () => {} });
  });

  // The last two multiply a short a by the transpose of a b of ≥ 65,536 values: the swapped product.
  for (const [rows, shared, columns, transposeA, transposeB] of [
    [5, 7, 3, true, false],
    [5, 7, 3, false, true],
    [5, 7, 3, true, true],
    [3, 40, 2000, false, true],
    [32, 300, 256, false, true],
  ] as const) {
    it(`BatchMatMul ${rows}×${shared}·${shared}×${columns} (transposeA ${transposeA}, transposeB ${transposeB}) equals the cpu backend's`, async () => {
      const aShape: [number, number] = transposeA ? [shared, rows] : [rows, shared];
      const bShape: [number, number] = transposeB ? [columns, shared] : [shared, columns];
      const [a, b] = [randomValues(aShape, 1), randomValues(bShape, 2)];
      const product = () =>
        tf.tidy(() =>
          tf.matMul(tf.tensor2d(a, aShape), tf.tensor2d(b, bShape), transposeA, transposeB).dataSync(),
        );
      const onWasm = product();
      await initBackend({ backend: 'cpu', log: () => {} });
      const onCpu = product();
      await initBackend({ backend: 'wasm', log: () => {} });
      expect(onWasm).toHaveLength(rows * columns);
      let worst = 0;
      onWasm.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - onCpu[i]!))));
      expect(worst).toBeLessThan(1e-4);
    });
  }

  it('Identity shares the data: a clone keeps its values after the original is disposed, and frees it last', () => {
    const before = tf.memory().numDataBuffers;
    const original = tf.tensor1d([1, 2, 3]);
    const copy = tf.clone(original);
    expect(tf.memory().numDataBuffers).toBe(before + 1);
    original.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3]);
    copy.dispose();
    expect(tf.memory().numDataBuffers).toBe(before);
  });
});
