import { assertSamplingOptions, sampleClients } from './client-sampler.ts';
import { fedAvg } from './fed-avg.ts';
import { weightedLoss, weightedMetrics } from './metrics.ts';
import { poolEvaluations } from './pooled-metrics.ts';
import type { RunningFedAvg, UpdateSummary } from './running-fed-avg.ts';
import type { EvaluationAsked } from './pooled-metrics.ts';
import type {
  ClientInfo,
  Config,
  EvaluateAggregate,
  EvaluateResult,
  FitAggregate,
  FitResult,
  Metrics,
  RoundFailure,
  RoundPlan,
  StreamingStrategy,
} from './strategy.ts';
import type { ParameterLayout } from './types.ts';

/** Options of {@link FedAvgStrategy} and its subclasses; defaults are Flower's. */
export interface FedAvgStrategyOptions {
  /** Fraction of available sites asked to train (default 1). */
  fractionFit?: number;
  /** Fraction of available sites asked to evaluate; 0 turns federated evaluation off (default 1). */
  fractionEvaluate?: number;
  /** Minimum sites that train in a round (default 2). */
  minFitClients?: number;
  /** Minimum sites that evaluate in a round (default 2). */
  minEvaluateClients?: number;
  /** No round unless this many sites are available (default 2). */
  minAvailableClients?: number;
  /** No evaluation unless this many sites are available (default minAvailableClients). */
  minAvailableEvaluateClients?: number;
  /** The tasks and histogram bins per-task evaluation results are pooled with. */
  evaluation?: EvaluationAsked;
  /** When false, any failure discards the round's results (default true). */
  acceptFailures?: boolean;
  /** Seed of the site sampler (default 0). */
  seed?: number;
  /** Parameter groups for modality-aware averaging (see `fedAvg`). */
  layout?: ParameterLayout;
  onFitConfig?: (round: number) => Config;
  onEvaluateConfig?: (round: number) => Config;
  /** Replaces the default example-weighted mean of the sites' fit metrics. */
  fitMetricsAggregation?: (results: readonly UpdateSummary[]) => Metrics;
  /** Replaces the default example-weighted mean of the sites' evaluation metrics. */
  evaluateMetricsAggregation?: (results: readonly EvaluateResult[]) => Metrics;
}

type Optional = 'layout' | 'onFitConfig' | 'onEvaluateConfig' | 'evaluation';
type Resolved = Required<Omit<FedAvgStrategyOptions, Optional>> & Pick<FedAvgStrategyOptions, Optional>;

/**
 * Flower's FedAvg strategy: sample sites, send them the global weights, average their results by examples.
 * @example new FedAvgStrategy({ fractionFit: 0.5, minFitClients: 3, onFitConfig: () => ({ epochs: 1 }) })
 */
export class FedAvgStrategy implements StreamingStrategy {
  protected readonly options: Resolved;
  /** The global weights sent by the last configureFit, i.e. what this round's results start from. */
  protected current: { round: number; weights: Float32Array } | undefined;

  constructor(options: FedAvgStrategyOptions = {}) {
    // Explicit `??` rather than spreading: an option passed as undefined still gets its default.
    this.options = {
      fractionFit: options.fractionFit ?? 1,
      fractionEvaluate: options.fractionEvaluate ?? 1,
      minFitClients: options.minFitClients ?? 2,
      minEvaluateClients: options.minEvaluateClients ?? 2,
      minAvailableClients: options.minAvailableClients ?? 2,
      minAvailableEvaluateClients: options.minAvailableEvaluateClients ?? options.minAvailableClients ?? 2,
      evaluation: options.evaluation,
      acceptFailures: options.acceptFailures ?? true,
      seed: options.seed ?? 0,
      layout: options.layout,
      onFitConfig: options.onFitConfig,
      onEvaluateConfig: options.onEvaluateConfig,
      fitMetricsAggregation: options.fitMetricsAggregation ?? weightedMetrics,
      evaluateMetricsAggregation: options.evaluateMetricsAggregation ?? weightedMetrics,
    };
    const { fractionFit, fractionEvaluate, minFitClients, minEvaluateClients, minAvailableClients } =
      this.options;
    assertSamplingOptions({ fraction: fractionFit, minClients: minFitClients, minAvailableClients });
    assertSamplingOptions({
      fraction: fractionEvaluate,
      minClients: minEvaluateClients,
      minAvailableClients: this.options.minAvailableEvaluateClients,
    });
  }

  /** Samples the round's sites; remembers `globalWeights` as the base the results are aggregated against. */
  configureFit(round: number, globalWeights: Float32Array, clients: readonly ClientInfo[]): RoundPlan {
    this.current = { round, weights: globalWeights };
    const { fractionFit, minFitClients, minAvailableClients, seed } = this.options;
    const sample = sampleClients(clients, {
      round,
      seed,
      fraction: fractionFit,
      minClients: minFitClients,
      minAvailableClients,
    });
    if (!sample.ok) return sample;
    const config = this.fitConfig(round);
    return {
      ok: true,
      assignments: sample.clientIds.map((clientId) => ({ clientId, weights: globalWeights, config })),
    };
  }

  /** Aggregates the results; no results, or failures when they are not accepted, keep the old model. */
  aggregateFit(
    round: number,
    results: readonly FitResult[],
    failures: readonly RoundFailure[],
  ): FitAggregate {
    if (results.length === 0) return { metrics: {} };
    if (!this.options.acceptFailures && failures.length > 0) return { metrics: {} };
    return {
      weights: this.aggregateWeights(round, results),
      metrics: this.options.fitMetricsAggregation(results),
    };
  }

  /** FedAvg needs only the running weighted sum of the updates; the robust rules override this. */
  get streamsFit(): boolean {
    return true;
  }

  /** aggregateFit over the updates added to `sum` (the same result to float rounding), never holding them. */
  aggregateStreamed(round: number, sum: RunningFedAvg, failures: readonly RoundFailure[]): FitAggregate {
    if (!this.streamsFit)
      throw new Error(`${this.constructor.name} needs every update at once: call aggregateFit instead`);
    if (sum.added.length === 0) return { metrics: {} };
    if (!this.options.acceptFailures && failures.length > 0) return { metrics: {} };
    const current = this.options.layout === undefined ? undefined : this.currentWeights(round);
    return {
      weights: this.serverStep(round, sum.mean(current), sum.added),
      metrics: this.options.fitMetricsAggregation(sum.added),
    };
  }

  startFrom(round: number, globalWeights: Float32Array): void {
    this.current = { round, weights: globalWeights };
  }

  /** Samples the sites that evaluate; fractionEvaluate 0 plans an empty evaluation, like Flower. */
  configureEvaluate(round: number, globalWeights: Float32Array, clients: readonly ClientInfo[]): RoundPlan {
    const { fractionEvaluate, minEvaluateClients, minAvailableEvaluateClients, seed } = this.options;
    if (fractionEvaluate === 0) return { ok: true, assignments: [] };
    const sample = sampleClients(clients, {
      round,
      seed,
      fraction: fractionEvaluate,
      minClients: minEvaluateClients,
      minAvailableClients: minAvailableEvaluateClients,
      purpose: 'evaluate',
    });
    if (!sample.ok) return sample;
    const config = this.options.onEvaluateConfig?.(round) ?? {};
    return {
      ok: true,
      assignments: sample.clientIds.map((clientId) => ({ clientId, weights: globalWeights, config })),
    };
  }

  /** Example-weighted mean loss and metrics; per-task histograms pooled into one AUC per task. */
  aggregateEvaluate(
    _round: number,
    results: readonly EvaluateResult[],
    failures: readonly RoundFailure[],
  ): EvaluateAggregate {
    if (results.length === 0) return { metrics: {} };
    if (!this.options.acceptFailures && failures.length > 0) return { metrics: {} };
    const loss = weightedLoss(
      results.filter((r): r is EvaluateResult & { loss: number } => r.loss !== undefined),
    );
    const metrics = this.options.evaluateMetricsAggregation(results);
    const withTasks = results.flatMap((r) => (r.tasks ? [{ tasks: r.tasks }] : []));
    return {
      ...(loss === undefined ? {} : { loss }),
      metrics,
      ...(withTasks.length > 0 ? { tasks: poolEvaluations(withTasks, this.options.evaluation) } : {}),
    };
  }

  /** The config sent with the fit instructions; FedProx adds its proximal term here. */
  protected fitConfig(round: number): Config {
    return { ...this.options.onFitConfig?.(round) };
  }

  /** Combines the results' weights; the robust rules replace this. */
  protected aggregateWeights(round: number, results: readonly FitResult[]): Float32Array {
    const { layout } = this.options;
    const mean = fedAvg(results, layout === undefined ? {} : { layout, current: this.currentWeights(round) });
    return this.serverStep(round, mean, results);
  }

  /** The next global weights from the (group-weighted) mean; FedOpt's server optimizer steps here. */
  protected serverStep(_round: number, mean: Float32Array, _updates: readonly UpdateSummary[]): Float32Array {
    return mean;
  }

  /** The weights configureFit sent for `round`; throws when it was not called for that round. */
  protected currentWeights(round: number): Float32Array {
    if (this.current?.round !== round) {
      throw new Error(
        `aggregateFit(round ${round}): call configureFit for this round first (it records the base weights)`,
      );
    }
    return this.current.weights;
  }
}
