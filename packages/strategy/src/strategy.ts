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

/** A site's evaluation result (Flower's EvaluateRes). */
export interface EvaluateResult {
  clientId: string;
  numExamples: number;
  loss: number;
  metrics?: Metrics;
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
}

/** Flower's Strategy: which sites do what each round, and how their results combine. */
export interface Strategy {
  /** Picks the sites that train in `round` and what they are sent. */
  configureFit(round: number, globalWeights: Float32Array, clients: readonly ClientInfo[]): RoundPlan;
  /** Combines the round's training results into the next global model. */
  aggregateFit(round: number, results: readonly FitResult[], failures: readonly RoundFailure[]): FitAggregate;
  /** Picks the sites that evaluate `globalWeights` in `round`. */
  configureEvaluate(round: number, globalWeights: Float32Array, clients: readonly ClientInfo[]): RoundPlan;
  /** Combines the round's evaluation results. */
  aggregateEvaluate(
    round: number,
    results: readonly EvaluateResult[],
    failures: readonly RoundFailure[],
  ): EvaluateAggregate;
}
