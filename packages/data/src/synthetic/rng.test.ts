import { describe, expect, it } from 'vitest';
import { Rng } from './rng.ts';

describe('Rng', () => {
  it('repeats for a seed and label, and differs across labels', () => {
    const a = Rng.derive(7, 'site', 1);
    const b = Rng.derive(7, 'site', 1);
    const c = Rng.derive(7, 'site', 2);
    const draw = (r: Rng) => Array.from({ length: 5 }, () => r.nextUint32());
    const first = draw(a);
    expect(draw(b)).toEqual(first);
    expect(draw(c)).not.toEqual(first);
  });

  it('draws normals, gammas and Dirichlets with the right moments', () => {
    const r = new Rng(1);
    const n = 20000;
    const normals = Array.from({ length: n }, () => r.normal());
    const mean = normals.reduce((a, b) => a + b) / n;
    const variance = normals.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(variance).toBeCloseTo(1, 1);
    const gammas = Array.from({ length: n }, () => r.gamma(0.5));
    expect(gammas.reduce((a, b) => a + b) / n).toBeCloseTo(0.5, 1);
    const d = r.dirichlet([2, 3, 5]);
    expect(d.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    expect(r.shuffle([1, 2, 3, 4]).sort()).toEqual([1, 2, 3, 4]);
  });
});
