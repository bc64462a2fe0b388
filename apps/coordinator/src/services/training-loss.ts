import { LOSS_TERM_NAMES, LossTerms } from '@fedfuse/protocol';

/** A stored fit update as far as the training loss needs it. */
export interface FitRecord {
  num_examples: number;
  /**
   * JSON written at submission: `lossPerEpoch` is the site's mean loss per local epoch, `lossTerms` (sites
   * since it exists) the last epoch's loss in its terms.
   */
  payload: string;
}

/** The loss after a site's last local epoch, if it reported a finite one. */
function finalEpochLoss(payload: string): number | undefined {
  const { lossPerEpoch } = JSON.parse(payload) as { lossPerEpoch?: unknown };
  const last: unknown = Array.isArray(lossPerEpoch) ? lossPerEpoch.at(-1) : undefined;
  return typeof last === 'number' && Number.isFinite(last) ? last : undefined;
}

/** The last epoch's loss terms, if the site reported a complete, valid set. */
function finalLossTerms(payload: string): LossTerms | undefined {
  const parsed = LossTerms.safeParse((JSON.parse(payload) as { lossTerms?: unknown }).lossTerms);
  return parsed.success ? parsed.data : undefined;
}

/** Σ value·examples / Σ examples over the updates that have a value; null when none has. */
function exampleWeightedMean<T>(
  updates: readonly FitRecord[],
  read: (payload: string) => T | undefined,
  value: (read: T) => number,
): number | null {
  let weighted = 0;
  let examples = 0;
  for (const update of updates) {
    const found = read(update.payload);
    if (found === undefined || update.num_examples <= 0) continue;
    weighted += value(found) * update.num_examples;
    examples += update.num_examples;
  }
  return examples > 0 ? weighted / examples : null;
}

/**
 * A round's training loss: the mean of each contributor's final-epoch loss, weighted by its examples
 * (as FedAvg weights its update), so a large site's loss counts for as much as its model share.
 * Null when no contributor reported a loss.
 */
export function roundTrainingLoss(updates: readonly FitRecord[]): number | null {
  return exampleWeightedMean(updates, finalEpochLoss, (loss) => loss);
}

/**
 * A round's training loss in its terms (the task loss apart from the regularisers), each pooled as
 * roundTrainingLoss pools the total, over the contributors that reported terms. Null when none did
 * (sites older than the terms).
 */
export function roundLossTerms(updates: readonly FitRecord[]): LossTerms | null {
  const pooled = LOSS_TERM_NAMES.map((term) => exampleWeightedMean(updates, finalLossTerms, (t) => t[term]));
  if (pooled.some((value) => value === null)) return null;
  return Object.fromEntries(LOSS_TERM_NAMES.map((term, i) => [term, pooled[i]])) as LossTerms;
}
