/**
 * Floats per block. 16K Float64 accumulators are 128 KiB: they stay in L2 while every update's slice
 * of the block streams through once, so N updates cost one pass over their data and O(block) extra memory.
 */
export const BLOCK_SIZE = 16_384;

/** Updates and their (already normalised) coefficients, averaged over `[start, end)` into `out`. */
export interface WeightedAverageArgs {
  out: Float32Array;
  weights: readonly Float32Array[];
  coefficients: readonly number[];
  start: number;
  end: number;
  /** Reused accumulator of at least BLOCK_SIZE floats. */
  scratch: Float64Array;
}

/** Writes Σ coefficients[k]·weights[k][i] for i in [start, end), accumulating each block in Float64. */
export function weightedAverageInto(args: WeightedAverageArgs): void {
  const { out, start, end, scratch } = args;
  for (let blockStart = start; blockStart < end; blockStart += BLOCK_SIZE) {
    const blockEnd = Math.min(end, blockStart + BLOCK_SIZE);
    accumulateBlock(args, blockStart, blockEnd);
    for (let i = blockStart, j = 0; i < blockEnd; i++, j++) out[i] = scratch[j]!;
  }
}

function accumulateBlock(args: WeightedAverageArgs, start: number, end: number): void {
  const { weights, coefficients, scratch } = args;
  scratch.fill(0, 0, end - start);
  let k = 0;
  // Four updates per pass: a quarter of the accumulator loads and stores, which is what bounds this loop in V8.
  for (; k + 4 <= weights.length; k += 4) {
    const [w0, w1, w2, w3] = [weights[k]!, weights[k + 1]!, weights[k + 2]!, weights[k + 3]!];
    const [c0, c1, c2, c3] = [
      coefficients[k]!,
      coefficients[k + 1]!,
      coefficients[k + 2]!,
      coefficients[k + 3]!,
    ];
    for (let i = start, j = 0; i < end; i++, j++) {
      scratch[j]! += c0 * w0[i]! + c1 * w1[i]! + (c2 * w2[i]! + c3 * w3[i]!);
    }
  }
  for (; k < weights.length; k++) {
    const w = weights[k]!;
    const c = coefficients[k]!;
    for (let i = start, j = 0; i < end; i++, j++) scratch[j]! += c * w[i]!;
  }
}
