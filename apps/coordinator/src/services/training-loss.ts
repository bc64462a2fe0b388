/** A stored fit update as far as the training loss needs it. */
export interface FitRecord {
  num_examples: number;
  /** JSON written at submission: `lossPerEpoch` is the site's mean loss per local epoch. */
  payload: string;
}

/** The loss after a site's last local epoch, if it reported a finite one. */
function finalEpochLoss(payload: string): number | undefined {
  const { lossPerEpoch } = JSON.parse(payload) as { lossPerEpoch?: unknown };
  const last: unknown = Array.isArray(lossPerEpoch) ? lossPerEpoch.at(-1) : undefined;
  return typeof last === 'number' && Number.isFinite(last) ? last : undefined;
}

/**
 * A round's training loss: the mean of each contributor's final-epoch loss, weighted by its examples
 * (as FedAvg weights its update), so a large site's loss counts for as much as its model share.
 * Null when no contributor reported a loss.
 */
export function roundTrainingLoss(updates: readonly FitRecord[]): number | null {
  let weighted = 0;
  let examples = 0;
  for (const update of updates) {
    const loss = finalEpochLoss(update.payload);
    if (loss === undefined || update.num_examples <= 0) continue;
    weighted += loss * update.num_examples;
    examples += update.num_examples;
  }
  return examples > 0 ? weighted / examples : null;
}
