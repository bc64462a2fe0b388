import { initBackend } from '@fedfuse/model';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { keyAdamMomentsByName } from './adam-moments-by-name.ts';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
  keyAdamMomentsByName();
});

const LR = 0.1;
const B1 = 0.9;
const B2 = 0.999;
const EPS = 1e-7;

/** Reference Adam for a constant gradient g, skipped at some steps; bias correction uses the optimizer's step count. */
function reference(g: number, trainedAt: boolean[]): number {
  let w = 0;
  let m = 0;
  let v = 0;
  trainedAt.forEach((trained, step) => {
    if (!trained) return;
    m = B1 * m + (1 - B1) * g;
    v = B2 * v + (1 - B2) * g * g;
    const t = step + 1;
    w -= (LR * (m / (1 - B1 ** t))) / (Math.sqrt(v / (1 - B2 ** t)) + EPS);
  });
  return w;
}

describe(keyAdamMomentsByName.name, () => {
  it('keeps per-variable moments when the trained subset changes between steps', () => {
    const a = tf.variable(tf.zeros([2]), true, 'adam-test/a');
    const b = tf.variable(tf.zeros([3]), true, 'adam-test/b');
    const optimizer = tf.train.adam(LR, B1, B2, EPS);
    // loss = 2·Σa − 3·Σb over the variables a step trains: constant gradients 2 and −3.
    const slope = new Map([
      [a, 2],
      [b, -3],
    ]);
    const loss = (vars: tf.Variable[]) => () =>
      tf.addN(vars.map((x) => tf.mul(tf.sum(x), slope.get(x)!))) as tf.Scalar;
    // Steps: both, b only, both, a only. Without the fix, step 2 gives b's [3]-moment slot to a's [2] one.
    const schedule = [[a, b], [b], [a, b], [a]];
    for (const vars of schedule) optimizer.minimize(loss(vars), false, vars);
    for (const value of a.dataSync()) expect(value).toBeCloseTo(reference(2, [true, false, true, true]), 5);
    for (const value of b.dataSync()) expect(value).toBeCloseTo(reference(-3, [true, true, true, false]), 5);
    optimizer.dispose();
    a.dispose();
    b.dispose();
  });

  it('disposes every moment it created', () => {
    const a = tf.variable(tf.zeros([4]), true, 'adam-test/c');
    const b = tf.variable(tf.zeros([5]), true, 'adam-test/d');
    const before = tf.memory().numTensors;
    const optimizer = tf.train.adam(LR);
    optimizer.minimize(() => tf.add<tf.Scalar>(tf.sum(a), tf.sum(b)), false, [a, b]);
    optimizer.minimize(() => tf.sum<tf.Scalar>(b), false, [b]);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
    b.dispose();
  });
});
