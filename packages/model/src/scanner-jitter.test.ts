import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { batchTensors } from './batch-tensors.ts';
import { resolveModelConfig } from './config.ts';
import { forward } from './forward.ts';
import type { TriModalModel } from './model.ts';
import { createModel } from './model.ts';
import { scannerJitter } from './scanner-jitter.ts';
import { separableBatch, smallConfig } from './testing/fixtures.ts';

const models: TriModalModel[] = [];
beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});
afterEach(() => models.splice(0).forEach((m) => m.dispose()));

const image = () =>
  tf.tensor4d(
    Array.from({ length: 2 * 8 * 8 }, (_, p) => (p % 5 === 0 ? 2 : 0.3 * (p % 3))),
    [2, 8, 8, 1],
  );

describe('scannerJitter', () => {
  it('is the identity at strength 0', () => {
    const x = image();
    expect(Array.from(scannerJitter(x, { strength: 0, seed: 4 }).dataSync())).toEqual(Array.from(x.dataSync()));
  });

  it('draws per image from its seed: the same seed repeats, another seed differs', () => {
    const x = image();
    const out = (seed: number) => Array.from(scannerJitter(x, { strength: 1, seed }).dataSync());
    expect(out(4)).toEqual(out(4));
    expect(out(4)).not.toEqual(out(5));
    const [first, second] = tf.split(scannerJitter(x, { strength: 1, seed: 4 }), 2).map((t) => t.dataSync());
    const [x1, x2] = tf.split(x, 2).map((t) => t.dataSync());
    // Each image gets its own draw, so the two change differently.
    expect(Array.from(first!).map((v, i) => v - x1![i]!)).not.toEqual(
      Array.from(second!).map((v, i) => v - x2![i]!),
    );
  });

  it('changes the training forward pass only: inference ignores it', () => {
    const m = createModel({ ...smallConfig, imageScannerJitter: 1, genomicsNoise: 0 });
    models.push(m);
    const batch = separableBatch(m.config, { n: 8, seed: 3 });
    const logits = (training: boolean, noiseSeed: number) =>
      tf.tidy(() => {
        const rows = Array.from({ length: batch.n }, (_, r) => r);
        const { inputs } = batchTensors(m.config, batch, { rows, present: batch.present });
        return Array.from(forward(m, inputs, { training, noiseSeed }).logits.dataSync());
      });
    expect(logits(true, 1)).not.toEqual(logits(true, 2));
    expect(logits(false, 1)).toEqual(logits(false, 2));
  });

  it('is refused with the field named when out of range', () => {
    expect(() => resolveModelConfig({ ...smallConfig, imageScannerJitter: 1.5 })).toThrow(
      /imageScannerJitter must be in \[0, 1\], got 1.5/,
    );
  });
});
