/** Binary classification metrics of one task. */
export interface BinaryMetrics {
  /** ROC AUC with ties counted half (Mann–Whitney); NaN when only one class is present. */
  auc: number;
  f1: number;
  precision: number;
  recall: number;
  accuracy: number;
  count: number;
  positives: number;
}

/**
 * ROC AUC by the rank-sum (Mann–Whitney) statistic from midranks, so tied scores count as half a correct
 * ordering. Entries whose label is NaN (missing) are skipped; NaN when either class is empty.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const kept: number[] = [];
  for (let i = 0; i < labels.length; i++) if (!Number.isNaN(labels[i])) kept.push(i);
  kept.sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < kept.length;) {
    let j = i;
    while (j + 1 < kept.length && scores[kept[j + 1]!] === scores[kept[i]!]) j++;
    const midrank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[kept[k]!] !== 1) continue;
      positives++;
      rankSum += midrank;
    }
    i = j + 1;
  }
  const negatives = kept.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Divides, defining 0/0 as 0 (scikit-learn's zero_division=0). */
function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/** AUC, F1, precision, recall and accuracy at a threshold, skipping NaN (missing) labels. */
export function binaryMetrics(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold = 0.5,
): BinaryMetrics {
  const keptScores: number[] = [];
  const keptLabels: number[] = [];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < scores.length; i++) {
    const y = labels[i]!;
    if (Number.isNaN(y)) continue;
    keptScores.push(scores[i]!);
    keptLabels.push(y);
    const predicted = scores[i]! >= threshold;
    if (predicted && y === 1) tp++;
    else if (predicted) fp++;
    else if (y === 1) fn++;
    else tn++;
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    auc: rocAuc(keptScores, keptLabels),
    f1: ratio(2 * precision * recall, precision + recall),
    precision,
    recall,
    accuracy: ratio(tp + tn, keptLabels.length),
    count: keptLabels.length,
    positives: tp + fn,
  };
}
