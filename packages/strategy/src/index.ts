export type { ClientUpdate, IndexRange, LayoutEntry, ParameterLayout } from './types.ts';
export { fedAvg } from './fed-avg.ts';
export type { FedAvgOptions } from './fed-avg.ts';
export { RunningFedAvg } from './running-fed-avg.ts';
export type { UpdateSummary } from './running-fed-avg.ts';
export { fedMedian } from './fed-median.ts';
export { trimmedMean } from './trimmed-mean.ts';
export { krum, krumScores } from './krum.ts';
export type { KrumOptions } from './krum.ts';
export { untrainedRanges } from './layout.ts';

export type { OptimizerSnapshot, ServerOptimizer, StepOptions } from './server-optimizer.ts';
export { FedAdam } from './fed-adam.ts';
export type { FedAdamOptions } from './fed-adam.ts';
export { FedYogi } from './fed-yogi.ts';
export type { FedYogiOptions } from './fed-yogi.ts';
export { FedAdagrad } from './fed-adagrad.ts';
export type { FedAdagradOptions } from './fed-adagrad.ts';
export { FedAvgM } from './fed-avg-m.ts';
export type { FedAvgMOptions } from './fed-avg-m.ts';

export type {
  Assignment,
  ClientInfo,
  Config,
  ConfigValue,
  EvaluateAggregate,
  EvaluateResult,
  FitAggregate,
  FitResult,
  Metrics,
  RoundFailure,
  RoundPlan,
  RoundSkipReason,
  StatefulStrategy,
  Strategy,
  StreamingStrategy,
} from './strategy.ts';
export { isStateful, streamsFit } from './strategy.ts';
export { STRATEGY_NAMES, strategyFor } from './strategy-for.ts';
export type { RunStrategyOptions, StrategySettings } from './strategy-for.ts';
export { histogramAuc, poolEvaluations } from './pooled-metrics.ts';
export type { EvaluationAsked, PooledTaskMetrics, TaskEvaluation } from './pooled-metrics.ts';
export { FedAvgStrategy } from './fed-avg-strategy.ts';
export type { FedAvgStrategyOptions } from './fed-avg-strategy.ts';
export { FedProxStrategy } from './fed-prox-strategy.ts';
export type { FedProxStrategyOptions } from './fed-prox-strategy.ts';
export { FedOptStrategy } from './fed-opt-strategy.ts';
export type { FedOptStrategyOptions } from './fed-opt-strategy.ts';
export { FedMedianStrategy, FedTrimmedAvgStrategy, KrumStrategy } from './robust-strategies.ts';
export type { FedTrimmedAvgStrategyOptions, KrumStrategyOptions } from './robust-strategies.ts';
export { sampleClients, sampleSize } from './client-sampler.ts';
export type { SampleOptions, SampleResult } from './client-sampler.ts';
export { weightedLoss, weightedMetrics } from './metrics.ts';

export { validateUpdate } from './validate-update.ts';
export {
  ADAPTIVE_NORM_FACTOR,
  ADAPTIVE_NORM_MIN_UPDATES,
  l2Norm,
  screenByMedianNorm,
} from './norm-screen.ts';
export type { NormScreen } from './norm-screen.ts';
export type {
  SubmittedUpdate,
  UpdateExpectations,
  UpdateRejection,
  UpdateValidation,
} from './validate-update.ts';
