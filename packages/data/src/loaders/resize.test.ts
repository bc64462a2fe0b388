import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resizeInto } from './resize.ts';

const resize = (o: {
  src: number[];
  h: number;
  w: number;
  c?: number;
  H: number;
  W: number;
  method: 'area' | 'bilinear';
}) => {
  const c = o.c ?? 1;
  const dst = new Float32Array(o.H * o.W * c + 2);
  resizeInto({
    src: Float32Array.from(o.src),
    srcHeight: o.h,
    srcWidth: o.w,
    channels: c,
    dst,
    dstOffset: 1,
    dstHeight: o.H,
    dstWidth: o.W,
    method: o.method,
  });
  return Array.from(dst);
};

describe('resizeInto', () => {
  it('area-averages 2×2 blocks when halving, writing only its slot', () => {
    const src = [1, 3, 5, 7, 1, 3, 5, 7, 0, 0, 8, 8, 0, 0, 8, 8];
    expect(resize({ src, h: 4, w: 4, H: 2, W: 2, method: 'area' })).toEqual([0, 2, 6, 0, 8, 0]);
  });

  it('integrates fractional footprints when shrinking 3 → 2', () => {
    // Output pixel 0 covers source [0, 1.5): (a + b/2) / 1.5.
    expect(resize({ src: [3, 6, 9], h: 1, w: 3, H: 1, W: 2, method: 'area' })).toEqual([0, 4, 8, 0]);
  });

  it('interpolates bilinearly at pixel centres and copies same-size images', () => {
    expect(resize({ src: [0, 4], h: 1, w: 2, H: 1, W: 4, method: 'bilinear' })).toEqual([0, 0, 1, 3, 4, 0]);
    expect(resize({ src: [1, 2, 3, 4, 5, 6], h: 1, w: 2, c: 3, H: 1, W: 2, method: 'area' })).toEqual([
      0, 1, 2, 3, 4, 5, 6, 0,
    ]);
  });

  it('keeps a constant image constant for any size and method', () => {
    fc.assert(
      fc.property(
        fc.record({
          h: fc.integer({ min: 1, max: 20 }),
          w: fc.integer({ min: 1, max: 20 }),
          H: fc.integer({ min: 1, max: 20 }),
          W: fc.integer({ min: 1, max: 20 }),
          v: fc.float({ min: 0, max: 1, noNaN: true }),
          method: fc.constantFrom('area' as const, 'bilinear' as const),
        }),
        ({ h, w, H, W, v, method }) => {
          const out = resize({ src: new Array<number>(h * w).fill(v), h, w, H, W, method }).slice(1, -1);
          for (const x of out) expect(x).toBeCloseTo(v, 5);
        },
      ),
    );
  });
});
