/**
 * ROC AUC by the rank-sum (Mann–Whitney) statistic, ties given average ranks. Entries whose
 * label is NaN are skipped; returns NaN when either class is empty.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx: number[] = [];
  for (let i = 0; i < labels.length; i++) if (!Number.isNaN(labels[i])) idx.push(i);
  idx.sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let k = 0; k < idx.length;) {
    let end = k;
    while (end + 1 < idx.length && scores[idx[end + 1] as number] === scores[idx[k] as number]) end++;
    const rank = (k + end + 2) / 2;
    for (let j = k; j <= end; j++) {
      if (labels[idx[j] as number] === 1) {
        positives++;
        rankSum += rank;
      }
    }
    k = end + 1;
  }
  const negatives = idx.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
