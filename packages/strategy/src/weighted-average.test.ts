import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SIMD_BLOCK_SIZE, SimdAverager } from './simd-average.ts';
import { kernelBytes } from './simd-kernel.ts';
import type { WeightedAverageArgs } from './types.ts';
import { sleb, uleb } from './wasm-encoder.ts';
import { kernelName, scalarWeightedAverageInto, weightedAverageInto } from './weighted-average.ts';

const SPECIAL = [0, -0, 1, -1, Number.NaN, Infinity, -Infinity, 1e-45, -1e-40, 3.4028234663852886e38, 0.1];

/** Both kernels on the same input; the outputs must be identical bit for bit, NaN and the sign of 0 included. */
function bothKernels(args: Omit<WeightedAverageArgs, 'out'>, length: number) {
  const simd = new Float32Array(length).fill(42);
  const scalar = new Float32Array(length).fill(42);
  weightedAverageInto({ ...args, out: simd });
  scalarWeightedAverageInto({ ...args, out: scalar });
  return { simd: new Uint32Array(simd.buffer), scalar: new Uint32Array(scalar.buffer) };
}

describe('weightedAverageInto', () => {
  it('runs the WebAssembly SIMD kernel on Node', () => {
    // Node ≥ 16.4 ships wasm SIMD: falling back to the scalar kernel here would be a silent 2× slowdown.
    expect(kernelName).toBe('simd');
    expect(SimdAverager.create()).toBeDefined();
  });

  it('gives the scalar kernel’s bits for 1 to 9 updates, any range and special values', () => {
    const length = 2 * SIMD_BLOCK_SIZE + 11;
    const args = fc.record({
      count: fc.integer({ min: 1, max: 9 }),
      start: fc.integer({ min: 0, max: length }),
      size: fc.integer({ min: 0, max: length }),
      seed: fc.integer(),
      special: fc.boolean(),
    });
    fc.assert(
      fc.property(args, ({ count, start, size, seed, special }) => {
        const end = Math.min(length, start + size);
        const weights = Array.from({ length: count }, (_, k) =>
          Float32Array.from({ length }, (_, i) =>
            special && (i * 7 + k) % 5 === 0
              ? SPECIAL[(i + k + seed) % SPECIAL.length]!
              : Math.sin(i + k * seed),
          ),
        );
        const raw = weights.map((_, k) => 1 + (((k * 31 + seed) >>> 0) % 97));
        const total = raw.reduce((a, b) => a + b, 0);
        const coefficients = raw.map((r) => r / total);
        const { simd, scalar } = bothKernels({ weights, coefficients, start, end }, length);
        expect(simd).toEqual(scalar);
      }),
      { numRuns: 60 },
    );
  });

  it('leaves the output outside [start, end) untouched', () => {
    const weights = [Float32Array.from({ length: 10 }, (_, i) => i)];
    const out = new Float32Array(10).fill(-1);
    weightedAverageInto({ out, weights, coefficients: [1], start: 3, end: 6 });
    expect(Array.from(out)).toEqual([-1, -1, -1, 3, 4, 5, -1, -1, -1, -1]);
  });
});

describe('wasm kernel module', () => {
  it('works for any block size that is a multiple of 4, and refuses others', () => {
    const small = SimdAverager.create(8)!;
    const weights = [1, 2, 3].map((k) => Float32Array.from({ length: 37 }, (_, i) => Math.cos(i * k)));
    const args = { weights, coefficients: [0.5, 0.25, 0.25], start: 1, end: 36 };
    const out = new Float32Array(37);
    const expected = new Float32Array(37);
    small.averageInto({ ...args, out });
    scalarWeightedAverageInto({ ...args, out: expected });
    expect(out).toEqual(expected);
    expect(() => kernelBytes(4094)).toThrow(/multiple of 4/);
  });

  it('encodes LEB128 as the spec’s examples', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(624_485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123_456)).toEqual([0xc0, 0xbb, 0x78]);
  });
});
