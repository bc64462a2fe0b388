import type { WeightedAverageArgs } from './types.ts';

/**
 * Floats per block of the kernel. 16K Float64 accumulators are 128 KiB: they stay in L2 while every
 * update's slice of the block streams through once, so N updates cost one pass over their data and O(block)
 * extra memory.
 */
export const SCALAR_BLOCK_SIZE = 16_384;

/** One block of one call: which updates, which coefficients, which index range. */
interface Block {
  weights: readonly Float32Array[];
  coefficients: readonly number[];
  start: number;
  end: number;
}

// One per process (or worker), allocated once: calls are synchronous and never interleave.
const scratch = new Float64Array(SCALAR_BLOCK_SIZE);

/**
 * Writes Σ coefficients[k]·weights[k][i] for i in [start, end), summing in Float64. Plain JS: a WebAssembly
 * SIMD kernel was measured against it and did not beat it by 1.5× at every size (docs/performance.md).
 */
export function weightedAverageInto(args: WeightedAverageArgs): void {
  const { out, weights, coefficients, start, end } = args;
  const n = weights.length;
  for (let blockStart = start; blockStart < end; blockStart += SCALAR_BLOCK_SIZE) {
    const block: Block = {
      weights,
      coefficients,
      start: blockStart,
      end: Math.min(end, blockStart + SCALAR_BLOCK_SIZE),
    };
    scratch.fill(0, 0, block.end - block.start);
    // Several updates per pass: fewer accumulator loads and stores, which is what bounds this loop in V8.
    // Small monomorphic helpers also optimise better than one function with nested loops.
    let k = 0;
    for (; k + 4 <= n; k += 4) addFour(scratch, block, k);
    if (k + 2 <= n) addTwo(scratch, block, k);
    if (n % 2 === 1) addOne(scratch, block, n - 1);
    writeBlock(out, scratch, block);
  }
}

function addFour(acc: Float64Array, block: Block, k: number): void {
  const { weights, coefficients, start, end } = block;
  const w0 = weights[k]!;
  const w1 = weights[k + 1]!;
  const w2 = weights[k + 2]!;
  const w3 = weights[k + 3]!;
  const c0 = coefficients[k]!;
  const c1 = coefficients[k + 1]!;
  const c2 = coefficients[k + 2]!;
  const c3 = coefficients[k + 3]!;
  for (let i = start, j = 0; i < end; i++, j++) {
    acc[j]! += c0 * w0[i]! + c1 * w1[i]! + (c2 * w2[i]! + c3 * w3[i]!);
  }
}

function addTwo(acc: Float64Array, block: Block, k: number): void {
  const { weights, coefficients, start, end } = block;
  const w0 = weights[k]!;
  const w1 = weights[k + 1]!;
  const c0 = coefficients[k]!;
  const c1 = coefficients[k + 1]!;
  for (let i = start, j = 0; i < end; i++, j++) acc[j]! += c0 * w0[i]! + c1 * w1[i]!;
}

function addOne(acc: Float64Array, block: Block, k: number): void {
  const { weights, coefficients, start, end } = block;
  const w0 = weights[k]!;
  const c0 = coefficients[k]!;
  for (let i = start, j = 0; i < end; i++, j++) acc[j]! += c0 * w0[i]!;
}

function writeBlock(out: Float32Array, acc: Float64Array, block: Block): void {
  for (let i = block.start, j = 0; i < block.end; i++, j++) out[i] = acc[j]!;
}
