import { describe, expect, it } from 'vitest';
import { POISON_SCALE, poisonDelta } from './poison.ts';

describe(poisonDelta.name, () => {
  it('scales every value of the delta', () => {
    const delta = new Float32Array([0.5, -0.25, 0]);
    poisonDelta(delta, 'scaled');
    expect([...delta]).toEqual([0.5 * POISON_SCALE, -0.25 * POISON_SCALE, 0]);
  });

  it('replaces the delta by standard normal noise', () => {
    const delta = new Float32Array(20_000).fill(0.001);
    poisonDelta(delta, 'random');
    const mean = delta.reduce((a, b) => a + b, 0) / delta.length;
    const variance = delta.reduce((a, b) => a + (b - mean) ** 2, 0) / delta.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
  });
});
