import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { FlatAdam } from './flat-adam.ts';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

const shapes = [[3, 4], [5], [2, 2, 2]];
const variablesFrom = (seed: number) =>
  shapes.map((shape, i) => tf.variable(tf.randomNormal(shape, 0, 1, 'float32', seed + i)));
const gradientsAt = (step: number) =>
  // The second variable gets no gradient at step 2, as a variable a batch does not train.
  shapes.map((shape, i) =>
    step === 2 && i === 1 ? undefined : tf.randomNormal(shape, 0, 1, 'float32', 100 * step + i),
  );

const EVERY = new Uint8Array(shapes.length).fill(1);

describe(FlatAdam.name, () => {
  it("takes tf.train.adam's steps, to float rounding, zero gradients included", () => {
    const ours = variablesFrom(1);
    const theirs = variablesFrom(1);
    const adam = new FlatAdam(ours, 0.01);
    const stock = tf.train.adam(0.01);
    for (let step = 1; step <= 5; step++) {
      const gradients = gradientsAt(step);
      adam.stepTensors(gradients, EVERY);
      stock.applyGradients(theirs.map((v, i) => ({ name: v.name, tensor: gradients[i] ?? tf.zerosLike(v) })));
    }
    ours.forEach((v, i) => {
      const reference = theirs[i]!.dataSync();
      const start = tf.randomNormal(shapes[i]!, 0, 1, 'float32', 1 + i).dataSync();
      v.dataSync().forEach((value, j) => {
        expect(Math.abs(value - reference[j]!), `variable ${i}[${j}]`).toBeLessThan(1e-6);
        // Five steps of up to 0.01 each moved every weight.
        expect(Math.abs(value - start[j]!)).toBeGreaterThan(0.001);
      });
    });
  });

  it('updates only the given share of the positions, so replicas can split a step', () => {
    const whole = new FlatAdam(variablesFrom(7), 0.01);
    const [first, second] = [new FlatAdam(variablesFrom(7), 0.01), new FlatAdam(variablesFrom(7), 0.01)];
    const gradient = Float32Array.from({ length: whole.size }, (_, i) => Math.sin(i));
    const expected = new Float32Array(whole.size);
    whole.update(gradient, { range: { from: 0, to: whole.size }, trainable: EVERY }, expected);
    const shared = new Float32Array(whole.size);
    first!.update(gradient, { range: { from: 0, to: 10 }, trainable: EVERY }, shared);
    second!.update(gradient, { range: { from: 10, to: whole.size }, trainable: EVERY }, shared);
    expect(shared).toEqual(expected);
  });
});
