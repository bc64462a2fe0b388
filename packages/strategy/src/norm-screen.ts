/** An update whose norm exceeds this many times the round's median update norm is excluded. */
export const ADAPTIVE_NORM_FACTOR = 5;
/** Below this many updates the median has no honest majority to stand on, so it bounds nothing. */
export const ADAPTIVE_NORM_MIN_UPDATES = 3;

/** The outcome of {@link screenByMedianNorm}. */
export interface NormScreen {
  /** k × median, or undefined when the round has too few (or only zero) updates to set one. */
  bound?: number;
  median?: number;
  /** Indices of the updates whose norm exceeds the bound (or is not finite). */
  excluded: number[];
}

/** L2 norm of a vector, accumulated in doubles (1e30-sized floats do not overflow). */
export function l2Norm(values: Float32Array): number {
  let squared = 0;
  for (let i = 0; i < values.length; i++) squared += values[i]! * values[i]!;
  return Math.sqrt(squared);
}

/**
 * The adaptive norm bound: an update whose delta norm is more than `factor` × the median of the round's
 * delta norms is excluded. Robust while fewer than half the updates are poisoned and there are at least
 * `minUpdates` of them; with fewer, the median of an earlier round (`earlierMedian`) stands in, and without
 * one (or with a median of 0) there is no bound, only the explicit one.
 * @example screenByMedianNorm([1, 1.2, 0.9, 1e30]).excluded // [3]
 */
export function screenByMedianNorm(
  norms: readonly number[],
  options: { factor?: number; minUpdates?: number; earlierMedian?: number } = {},
): NormScreen {
  const factor = options.factor ?? ADAPTIVE_NORM_FACTOR;
  const minUpdates = options.minUpdates ?? ADAPTIVE_NORM_MIN_UPDATES;
  const nonFinite = norms.flatMap((n, i) => (Number.isFinite(n) ? [] : [i]));
  const median = norms.length >= minUpdates ? medianOf(norms) : options.earlierMedian;
  if (median === undefined) return { excluded: nonFinite };
  if (!(median > 0) || !Number.isFinite(median)) return { median, excluded: nonFinite };
  const bound = factor * median;
  const excluded = norms.flatMap((n, i) => (Number.isFinite(n) && n <= bound ? [] : [i]));
  return { bound, median, excluded };
}

function medianOf(values: readonly number[]): number {
  const sorted = values.map((v) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v)).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
