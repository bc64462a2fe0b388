import { FedAdagrad } from './fed-adagrad.ts';
import { FedAdam } from './fed-adam.ts';
import { FedAvgM } from './fed-avg-m.ts';
import { FedYogi } from './fed-yogi.ts';
import { FedAvgStrategy } from './fed-avg-strategy.ts';
import type { FedAvgStrategyOptions } from './fed-avg-strategy.ts';
import { FedOptStrategy } from './fed-opt-strategy.ts';
import { FedProxStrategy } from './fed-prox-strategy.ts';
import type { EvaluationAsked } from './pooled-metrics.ts';
import { FedMedianStrategy, FedTrimmedAvgStrategy, KrumStrategy } from './robust-strategies.ts';
import type { Strategy } from './strategy.ts';
import type { ParameterLayout } from './types.ts';

/** A run's strategy and its hyper-parameters; each strategy reads the ones it uses, unset ones take Flower's defaults. */
export interface StrategySettings {
  name: string;
  serverLearningRate?: number;
  beta1?: number;
  beta2?: number;
  tau?: number;
  momentum?: number;
  trimBeta?: number;
  numMalicious?: number;
  numToKeep?: number;
}

/** What a coordinator knows about a run that its strategy needs. */
export interface RunStrategyOptions {
  strategy: StrategySettings;
  /** Seed of the site sampler. */
  seed: number;
  /** Fraction of the available sites that train each round. */
  fraction: number;
  minClients: number;
  /** Defaults to minClients. */
  minAvailableClients?: number;
  /** Parameter groups for modality-aware averaging. */
  layout?: ParameterLayout;
  /** FedProx's μ, also sent to the sites in the fit config. */
  proximalMu?: number;
  /** The tasks and histogram bins evaluation results are pooled with. */
  evaluation?: EvaluationAsked;
}

type BaseOptions = FedAvgStrategyOptions & { proximalMu?: number };
type StrategyFactory = (base: BaseOptions, settings: StrategySettings) => Strategy;

/** Every strategy a run can name: adding one is its file plus one line here. */
const FACTORIES: Record<string, StrategyFactory> = {
  fedavg: (base) => new FedAvgStrategy(base),
  fedprox: (base) => new FedProxStrategy({ ...base, proximalMu: base.proximalMu ?? 0 }),
  fedadam: (base, s) =>
    new FedOptStrategy({
      ...base,
      optimizer: new FedAdam({ eta: s.serverLearningRate, beta1: s.beta1, beta2: s.beta2, tau: s.tau }),
    }),
  fedyogi: (base, s) =>
    new FedOptStrategy({
      ...base,
      optimizer: new FedYogi({ eta: s.serverLearningRate, beta1: s.beta1, beta2: s.beta2, tau: s.tau }),
    }),
  fedadagrad: (base, s) =>
    new FedOptStrategy({ ...base, optimizer: new FedAdagrad({ eta: s.serverLearningRate, tau: s.tau }) }),
  fedavgm: (base, s) =>
    new FedOptStrategy({
      ...base,
      optimizer: new FedAvgM({ serverLearningRate: s.serverLearningRate, serverMomentum: s.momentum }),
    }),
  fedmedian: (base) => new FedMedianStrategy(base),
  trimmedmean: (base, s) => new FedTrimmedAvgStrategy({ ...base, beta: s.trimBeta }),
  krum: (base, s) => new KrumStrategy({ ...base, numMalicious: s.numMalicious, numToKeep: s.numToKeep }),
};

/** The names strategyFor accepts. */
export const STRATEGY_NAMES: readonly string[] = Object.keys(FACTORIES);

/**
 * The run's strategy, built from its configuration: the coordinator's only way to one. Every available
 * site evaluates each committed model (fractionEvaluate 1, no minimum), as FedFuse's model selection needs.
 * @example strategyFor({ strategy: { name: 'fedadam', serverLearningRate: 0.01 }, seed: 1, fraction: 1, minClients: 2 })
 */
export function strategyFor(options: RunStrategyOptions): Strategy {
  const factory = FACTORIES[options.strategy.name];
  if (!factory)
    throw new Error(`unknown strategy "${options.strategy.name}"; known: ${STRATEGY_NAMES.join(', ')}`);
  const base: BaseOptions = {
    fractionFit: options.fraction,
    minFitClients: options.minClients,
    minAvailableClients: options.minAvailableClients ?? options.minClients,
    fractionEvaluate: 1,
    minEvaluateClients: 0,
    minAvailableEvaluateClients: 0,
    seed: options.seed,
    layout: options.layout,
    evaluation: options.evaluation,
    proximalMu: options.proximalMu,
  };
  return factory(base, options.strategy);
}
