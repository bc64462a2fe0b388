/**
 * Rows the last mini-batch of an epoch must have at least. @fedfuse/model's trainLocalRound passes only
 * the variables a batch exercises to tfjs' Adam, whose moment slots are indexed by position in that list:
 * a batch in which a modality (or a task's labels) happens to be absent shifts the slots, which throws a
 * shape error (or silently mixes moments). A batch of 16 rows lacks a modality with probability ~1e-6; a
 * remainder batch of 1–3 rows lacks one half the time. Until the model package keys its optimizer state by
 * variable, the simulator keeps every epoch's last batch at least this large.
 */
export const MIN_TAIL_ROWS = 16;

function tailOk(n: number, batchSize: number): boolean {
  if (n <= batchSize) return true; // one batch holding the whole split
  const tail = n % batchSize;
  return tail === 0 || tail >= MIN_TAIL_ROWS;
}

/**
 * The batch size closest to `requested` (preferring smaller) for which no site's training split ends an
 * epoch with a batch of fewer than MIN_TAIL_ROWS rows; `requested` itself when it already qualifies.
 * @example safeBatchSize(32, [33]) // 33: one batch per epoch instead of 32 rows + 1
 */
export function safeBatchSize(requested: number, trainCounts: readonly number[]): number {
  const counts = trainCounts.filter((n) => n > 0);
  const ok = (b: number) => counts.every((n) => tailOk(n, b));
  for (let delta = 0; delta <= requested * 2; delta++) {
    for (const b of [requested - delta, requested + delta]) {
      if (b >= MIN_TAIL_ROWS && ok(b)) return b;
    }
  }
  // No size fits every site: one batch per epoch with the largest split always does.
  return Math.max(requested, ...counts);
}
