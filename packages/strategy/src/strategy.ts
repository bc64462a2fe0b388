import type { PooledTaskMetrics, TaskEvaluation } from './pooled-metrics.ts';
import type { RunningFedAvg } from './running-fed-avg.ts';
import type { OptimizerSnapshot } from './server-optimizer.ts';
import type { ClientUpdate } from './types.ts';

/** A config value sent to a site with its instructions (Flower's Scalar). */
export type ConfigValue = number | string | boolean;

/** Round configuration sent to a site (Flower's FitIns/EvaluateIns config). */
export type Config = Record<string, ConfigValue>;

/** Numeric metrics reported by sites or aggregated by the strategy. */
export type Metrics = Record<string, number>;

/** A registered site as the sampler sees it. */
export interface ClientInfo {
  id: string;
  /** Connected, not suspended, and not busy: may be asked to train this round. */
  available: boolean;
}

/** One site's instructions for a round (Flower's `(ClientProxy, FitIns)` / `(ClientProxy, EvaluateIns)`). */
export interface Assignment {
  clientId: string;
  weights: Float32Array;
  config: Config;
}

/** Why no round could be configured. */
export type RoundSkipReason = 'below_min_available' | 'not_enough_for_sample' | 'empty_sample';

/** The sites picked for a round, or why the round cannot run. */
export type RoundPlan =
  { ok: true; assignments: Assignment[] } | { ok: false; reason: RoundSkipReason; message: string };

/** A site's training result (Flower's FitRes), already validated with `validateUpdate`. */
export interface FitResult extends ClientUpdate {
  clientId: string;
  metrics?: Metrics;
}

/** A site's evaluation result (Flower's EvaluateRes), with FedFuse's per-task score histograms. */
export interface EvaluateResult {
  clientId: string;
  numExamples: number;
  /** Absent when the site reports per-task histograms instead of one loss. */
  loss?: number;
  metrics?: Metrics;
  tasks?: Readonly<Record<string, TaskEvaluation>>;
}

/** A site that did not deliver a usable result this round. */
export interface RoundFailure {
  clientId: string;
  reason: string;
}

/** Outcome of aggregateFit: `weights` undefined keeps the old global model. */
export interface FitAggregate {
  weights?: Float32Array;
  metrics: Metrics;
}

/** Outcome of aggregateEvaluate: `loss` undefined when nothing was evaluated. */
export interface EvaluateAggregate {
  loss?: number;
  metrics: Metrics;
  /** Per task, the pooled histogram AUC and example-weighted metrics (when results carried tasks). */
  tasks?: Record<string, PooledTaskMetrics>;
}

/**
 * Flower's Strategy: which sites do what each round, and how their results combine. Two additions for a
 * coordinator that restarts: `startFrom` gives it the round's base weights without re-sampling, and a
 * strategy with server state (a server optimizer's moments) exposes it to be stored with the checkpoint.
 */
export interface Strategy {
  /** Picks the sites that train in `round` and what they are sent. */
  configureFit(round: number, globalWeights: Float32Array, clients: readonly ClientInfo[]): RoundPlan;
  /** Combines the round's training results into the next global model. */
  aggregateFit(round: number, results: readonly FitResult[], failures: readonly RoundFailure[]): FitAggregate;
  /**
   * Records the weights `round` started from, as configureFit does, for a round configured by another
   * process (a coordinator restarted between training and aggregation).
   */
  startFrom(round: number, globalWeights: Float32Array): void;
  /** Picks the sites that evaluate `globalWeights` in `round`. */
  configureEvaluate(round: number, globalWeights: Float32Array, clients: readonly ClientInfo[]): RoundPlan;
  /** Combines the round's evaluation results. */
  aggregateEvaluate(
    round: number,
    results: readonly EvaluateResult[],
    failures: readonly RoundFailure[],
  ): EvaluateAggregate;
}

/** Server state a strategy carries from round to round; the coordinator persists it with each checkpoint. */
export interface StatefulStrategy extends Strategy {
  /** A copy of the state after the last aggregateFit. */
  snapshotState(): OptimizerSnapshot;
  /** Continues from a stored state (taken from the same kind of strategy). */
  restoreState(snapshot: OptimizerSnapshot): void;
}

/** Whether the strategy has server state to persist. */
export function isStateful(strategy: Strategy): strategy is StatefulStrategy {
  return 'snapshotState' in strategy && 'restoreState' in strategy;
}

/**
 * A strategy that can aggregate from a running weighted sum ({@link RunningFedAvg}) instead of every update
 * at once, so a coordinator adds each update as it arrives and holds O(model) memory. `streamsFit` is false
 * for rules that need all updates together (median, trimmed mean, Krum).
 */
export interface StreamingStrategy extends Strategy {
  readonly streamsFit: boolean;
  /** aggregateFit over the updates added to `sum`. */
  aggregateStreamed(round: number, sum: RunningFedAvg, failures: readonly RoundFailure[]): FitAggregate;
}

/** Whether the strategy can aggregate from a running sum. */
export function streamsFit(strategy: Strategy): strategy is StreamingStrategy {
  return 'aggregateStreamed' in strategy && (strategy as StreamingStrategy).streamsFit;
}
