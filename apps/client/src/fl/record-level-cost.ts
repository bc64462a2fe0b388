import type { FitConfig } from '@fedfuse/protocol';
import { dpSgdSteps } from '@fedfuse/model';
import { computeEpsilon } from '@fedfuse/privacy';

import type { RecordLevelBudget, RecordLevelRound } from '../store/privacy-ledger.ts';

/** What a round of record-level DP-SGD would cost this site: its per-patient ε after it, in the run. */
export interface RecordLevelCost {
  epsilon: number;
  delta: number;
  rounds: RecordLevelRound[];
  /** Epochs of DP-SGD in the run, this round's included. */
  epochs: number;
}

/** δ when the run leaves it out: 1/n^1.1 for the site's n training patients (below 1/individuals protected). */
export function defaultRecordDelta(datasetSize: number): number {
  return Math.min(0.5, 1 / datasetSize ** 1.1);
}

/**
 * The site's per-patient ε after this round, from the round's public parameters, its own training-set size
 * and the rounds it recorded in `privacy.json` (a round recorded again replaces the old record). δ is the
 * one recorded at the run's first round, so the site's guarantee keeps one δ; null: not a DP-SGD round.
 */
export function recordLevelCost(args: {
  config: FitConfig;
  roundNumber: number;
  datasetSize: number;
  recorded: RecordLevelBudget | undefined;
}): RecordLevelCost | null {
  const dp = args.config.dpSgd;
  if (!dp) return null;
  const byRound = new Map<number, RecordLevelRound>();
  for (const r of args.recorded?.rounds ?? []) if (r.round !== args.roundNumber) byRound.set(r.round, r);
  byRound.set(args.roundNumber, {
    round: args.roundNumber,
    epochs: args.config.epochs,
    batchSize: args.config.batchSize,
    datasetSize: args.datasetSize,
    noiseMultiplier: dp.noiseMultiplier,
  });
  const rounds = [...byRound.values()].sort((a, b) => a.round - b.round);
  const delta = args.recorded?.delta ?? dp.delta ?? defaultRecordDelta(args.datasetSize);
  const steps = rounds.map((r) => dpSgdSteps(r));
  return {
    epsilon: computeEpsilon({ steps, delta }).epsilon,
    delta,
    rounds,
    epochs: rounds.reduce((sum, r) => sum + r.epochs, 0),
  };
}
