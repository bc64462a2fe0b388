import { describe, expect, it } from 'vitest';
import { Rng } from '../synthetic/rng.ts';
import { rocAuc } from '@fedfuse/model/spec';
import { fitLogistic, predictLogits } from './logistic-regression.ts';

describe('fitLogistic', () => {
  it('recovers the direction of a known logistic model per task, ignoring NaN labels', () => {
    const rng = new Rng(3);
    const n = 2000;
    const d = 3;
    const x = Float32Array.from({ length: n * d }, () => rng.normal());
    const y = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const z0 = 2 * (x[i * d] as number) - (x[i * d + 1] as number);
      const z1 = 1.5 * (x[i * d + 2] as number) + 0.5;
      y[i * 2] = rng.uniform() < 1 / (1 + Math.exp(-z0)) ? 1 : 0;
      y[i * 2 + 1] = i % 5 === 0 ? Number.NaN : rng.uniform() < 1 / (1 + Math.exp(-z1)) ? 1 : 0;
    }
    const model = fitLogistic({ x, n, d }, { y, tasks: 2, l2: 0, steps: 400 });
    const [w0, w1] = model.weights as [Float64Array, Float64Array];
    expect(w0[0]).toBeCloseTo(2, 0);
    expect(w0[1]).toBeCloseTo(-1, 0);
    expect(Math.abs(w0[2] as number)).toBeLessThan(0.2);
    expect(w1[2]).toBeCloseTo(1.5, 0);
    expect(w1[3]).toBeCloseTo(0.5, 0);
    const logits = predictLogits(model, { x, n, d });
    const scores = Array.from({ length: n }, (_, i) => logits[i * 2] as number);
    expect(
      rocAuc(
        scores,
        Array.from({ length: n }, (_, i) => y[i * 2] as number),
      ),
    ).toBeGreaterThan(0.8);
  });
});
