import type { ScoreHistogram } from '@fedfuse/protocol';

/**
 * Counts of positive and negative examples per equal-width score bin over [0, 1]; bin i holds scores in
 * [i/bins, (i+1)/bins), and the last bin also holds 1.0. Examples with a missing (NaN) label are skipped.
 * Only these counts leave the site, never a score.
 */
export function scoreHistogram(options: {
  scores: ArrayLike<number>;
  labels: ArrayLike<number>;
  bins: number;
}): ScoreHistogram {
  const { scores, labels, bins } = options;
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`bins must be a positive integer, got ${bins}`);
  if (scores.length !== labels.length)
    throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
  const positives = new Array<number>(bins).fill(0);
  const negatives = new Array<number>(bins).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const label = labels[i]!;
    if (Number.isNaN(label)) continue;
    const score = scores[i]!;
    if (!Number.isFinite(score)) throw new RangeError(`score ${i} is ${score}; scores must be finite`);
    const bin = binOf(score, bins);
    if (label === 1) positives[bin]! += 1;
    else negatives[bin]! += 1;
  }
  return { bins, positives, negatives };
}

/** Index of the bin holding `score`, clamped to [0, bins - 1] (a probability a hair outside [0, 1] is still binned). */
export function binOf(score: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(score * bins)));
}
