import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipToNorm, l2Norm } from './clip.ts';

const parts = fc.array(fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { maxLength: 20 }), {
  minLength: 1,
  maxLength: 4,
});
const toParts = (arrays: number[][]) => arrays.map((a) => Float32Array.from(a));

describe(l2Norm.name, () => {
  it('is the norm of the parts taken as one vector', () => {
    expect(l2Norm([Float32Array.of(3), Float32Array.of(0, 4)])).toBe(5);
    expect(l2Norm([])).toBe(0);
  });

  it('accumulates in float64: a million 1e-4 squares are not lost against one 1', () => {
    const small = new Float32Array(1_000_000).fill(1e-4);
    const expected = Math.sqrt(1 + 1e6 * Math.fround(1e-4) ** 2);
    expect(l2Norm([Float32Array.of(1), small])).toBeCloseTo(expected, 12);
  });
});

describe(clipToNorm.name, () => {
  it('scales an update above the clip down to exactly the clip, in place', () => {
    const update = [Float32Array.of(3), Float32Array.of(4)];
    expect(clipToNorm(update, 1)).toEqual({ norm: 5, scale: 0.2 });
    expect(update[0]?.[0]).toBeCloseTo(0.6, 6);
    expect(update[1]?.[0]).toBeCloseTo(0.8, 6);
  });

  it('bounds the norm by the clip and scales by min(1, clip / norm)', () => {
    fc.assert(
      fc.property(parts, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (arrays, clip) => {
        const update = toParts(arrays);
        const before = toParts(arrays);
        const { norm, scale } = clipToNorm(update, clip);
        expect(scale).toBeCloseTo(Math.min(1, clip / Math.max(norm, Number.MIN_VALUE)), 12);
        expect(l2Norm(update)).toBeLessThanOrEqual(clip * (1 + 1e-6));
        update.forEach((part, p) =>
          part.forEach((v, i) => expect(v).toBeCloseTo((before[p]?.[i] ?? NaN) * scale, 4)),
        );
      }),
    );
  });

  it('leaves the update untouched below the clip and with clip = Infinity', () => {
    const update = [Float32Array.of(0.1, -0.2)];
    expect(clipToNorm(update, 1).scale).toBe(1);
    expect(clipToNorm(update, Infinity).scale).toBe(1);
    expect(Array.from(update[0] ?? [])).toEqual([Math.fround(0.1), Math.fround(-0.2)]);
    expect(clipToNorm([new Float32Array(3)], 1)).toEqual({ norm: 0, scale: 1 });
  });

  it.each([0, -1, Number.NaN])('refuses clip %s and changes nothing', (clip) => {
    const update = [Float32Array.of(3, 4)];
    expect(() => clipToNorm(update, clip)).toThrow(/clip/);
    expect(Array.from(update[0] ?? [])).toEqual([3, 4]);
  });

  it('refuses an update whose norm is not finite, changing nothing', () => {
    const update = [Float32Array.of(Number.NaN, 1)];
    expect(() => clipToNorm(update, 1)).toThrow(/norm/);
    expect(update[0]?.[1]).toBe(1);
  });
});
