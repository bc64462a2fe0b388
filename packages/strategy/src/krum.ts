import { assertUpdates } from './assert-updates.ts';
import { fedAvg } from './fed-avg.ts';
import type { ClientUpdate } from './types.ts';

/** Options of {@link krum}, named as in Flower's Krum strategy. */
export interface KrumOptions {
  /** f: how many updates may be Byzantine. */
  numMalicious: number;
  /** m: 0 or 1 selects plain Krum, m > 1 averages the m lowest-score updates (MultiKrum). */
  numToKeep?: number;
}

/** Small blocks: all N updates' slices of a block (N·2K floats) stay in L2 while every pair is compared. */
const DISTANCE_BLOCK = 2_048;

/**
 * Krum (Blanchard et al. 2017): the update with the lowest sum of squared distances to its N − f − 2
 * nearest neighbours, or with numToKeep > 1 the example-weighted FedAvg of the numToKeep lowest (MultiKrum).
 */
export function krum(updates: readonly ClientUpdate[], options: KrumOptions): Float32Array {
  assertUpdates(updates, 'krum');
  const { numMalicious, numToKeep = 0 } = options;
  const n = updates.length;
  assertKrumOptions(n, numMalicious, numToKeep);
  const scores = krumScores(updates, numMalicious);
  // Ties go to the earlier update, so the choice does not depend on sort stability.
  const ranked = scores
    .map((score, index) => ({ score, index }))
    .sort((a, b) => a.score - b.score || a.index - b.index);
  if (numToKeep > 1) return fedAvg(ranked.slice(0, numToKeep).map(({ index }) => updates[index]!));
  return Float32Array.from(updates[ranked[0]!.index]!.weights);
}

/** Each update's Krum score: the sum of squared L2 distances to its max(1, N − f − 2) nearest others. */
export function krumScores(updates: readonly ClientUpdate[], numMalicious: number): number[] {
  const n = updates.length;
  const distances = pairwiseSquaredDistances(updates.map((update) => update.weights));
  const nearest = Math.min(Math.max(1, n - numMalicious - 2), n - 1);
  return distances.map((row, i) => {
    const others = row.filter((_, j) => j !== i).sort((a, b) => a - b);
    return others.slice(0, nearest).reduce((sum, d) => sum + d, 0);
  });
}

function pairwiseSquaredDistances(weights: readonly Float32Array[]): number[][] {
  const n = weights.length;
  const length = weights[0]!.length;
  const distances = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let start = 0; start < length; start += DISTANCE_BLOCK) {
    const end = Math.min(length, start + DISTANCE_BLOCK);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const d = squaredDistance(weights[i]!, weights[j]!, { start, end });
        distances[i]![j]! += d;
        distances[j]![i]! += d;
      }
    }
  }
  return distances;
}

function squaredDistance(a: Float32Array, b: Float32Array, range: { start: number; end: number }): number {
  let s0 = 0;
  let s1 = 0;
  let i = range.start;
  // Two independent sums halve the add-latency chain.
  for (; i + 1 < range.end; i += 2) {
    const d0 = a[i]! - b[i]!;
    const d1 = a[i + 1]! - b[i + 1]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
  }
  if (i < range.end) {
    const d = a[i]! - b[i]!;
    s0 += d * d;
  }
  return s0 + s1;
}

function assertKrumOptions(n: number, numMalicious: number, numToKeep: number): void {
  if (!Number.isInteger(numMalicious) || numMalicious < 0) {
    throw new Error(`krum: numMalicious must be an integer >= 0, got ${numMalicious}`);
  }
  // Krum's guarantee needs N >= 2f + 3; Flower computes regardless, we refuse a meaningless selection.
  if (numMalicious > 0 && n < 2 * numMalicious + 3) {
    throw new Error(
      `krum: numMalicious ${numMalicious} is too large for ${n} updates (needs at least 2·f + 3 = ${2 * numMalicious + 3})`,
    );
  }
  if (!Number.isInteger(numToKeep) || numToKeep < 0 || numToKeep > n) {
    throw new Error(`krum: numToKeep must be an integer in [0, ${n}], got ${numToKeep}`);
  }
}
