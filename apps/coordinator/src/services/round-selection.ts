import type { RoundMetrics } from '@fedfuse/protocol';
import type { PooledTaskMetrics } from '@fedfuse/strategy';
import type { Round } from '../repositories/round.ts';

/** What a done round stored: pooled metrics on the test split and, when sites sent them, on validation. */
export interface StoredRoundMetrics {
  tasks: Record<string, PooledTaskMetrics>;
  validation?: Record<string, PooledTaskMetrics>;
  sites: string[];
}

/** The round whose pooled validation AUC (mean over tasks) is best, with its test scores. */
export interface SelectedRound {
  round: number;
  /** Mean over tasks of the pooled validation AUC: what the round was chosen on. */
  validationAuc: number;
  /** Pooled test AUC per task: the selected model's score, never used to choose it. */
  testAuc: Record<string, number | null>;
}

/** Mean over tasks of the finite pooled validation AUCs; NaN when the round has none. */
function validationScore(metrics: RoundMetrics | null): number {
  const aucs = Object.values(metrics?.validation ?? {})
    .map((m) => m.auc)
    .filter((auc): auc is number => Number.isFinite(auc));
  return aucs.length > 0 ? aucs.reduce((a, b) => a + b, 0) / aucs.length : Number.NaN;
}

/**
 * The best round by validation score; the earliest on a tie (fewer rounds, same evidence). Null when no
 * round has a validation score (sites without validation patients).
 */
export function selectRound(
  rounds: readonly { number: number; metrics: RoundMetrics | null }[],
): SelectedRound | null {
  let best: SelectedRound | null = null;
  for (const { number, metrics } of rounds) {
    const score = validationScore(metrics);
    if (!Number.isFinite(score) || (best && score <= best.validationAuc)) continue;
    const testAuc = Object.fromEntries(Object.entries(metrics?.tasks ?? {}).map(([t, m]) => [t, m.auc]));
    best = { round: number, validationAuc: score, testAuc };
  }
  return best;
}

/** Early stopping: `patience` rounds have passed since the selected round without a better one. */
export function patienceRunOut(o: {
  latest: number;
  selected: SelectedRound | null;
  patience?: number;
}): boolean {
  if (o.patience === undefined || !o.selected) return false;
  return o.latest - o.selected.round >= o.patience;
}

/** The selected round among a run's rounds (only committed ones count). */
export function selectedRoundOf(rounds: readonly Round[]): SelectedRound | null {
  return selectRound(rounds.filter((r) => r.stage === 'committed'));
}
