import type { ClientUpdate, OptimizerSnapshot, ParameterLayout, ServerOptimizer } from '@fedfuse/strategy';
import {
  FedAdagrad,
  FedAdam,
  FedAvgM,
  FedYogi,
  fedAvg,
  fedMedian,
  krum,
  trimmedMean,
  untrainedRanges,
} from '@fedfuse/strategy';
import type { StrategyConfig } from '../run-config.ts';

export interface AggregationInput {
  strategy: StrategyConfig;
  round: number;
  global: Float32Array;
  /** Sorted by site id, so the sum is the same whatever order the updates arrived in. */
  updates: ClientUpdate[];
  layout: ParameterLayout;
  optimizer?: OptimizerSnapshot;
}

export interface AggregationOutput {
  weights: Float32Array;
  optimizer?: OptimizerSnapshot;
}

function serverOptimizer(strategy: StrategyConfig): ServerOptimizer | undefined {
  const { serverLearningRate: eta, beta1, beta2, tau, momentum } = strategy;
  switch (strategy.name) {
    case 'fedadam':
      return new FedAdam({ eta, beta1, beta2, tau });
    case 'fedyogi':
      return new FedYogi({ eta, beta1, beta2, tau });
    case 'fedadagrad':
      return new FedAdagrad({ eta, tau });
    case 'fedavgm':
      return new FedAvgM({ serverLearningRate: eta, serverMomentum: momentum });
    case 'fedavg':
    case 'fedprox':
    case 'fedmedian':
    case 'trimmedmean':
    case 'krum':
      return undefined;
  }
}

/** The next global weights from a round's updates, by the run's strategy (pure; no I/O). */
export function aggregate(input: AggregationInput): AggregationOutput {
  const { strategy, updates, layout, global } = input;
  switch (strategy.name) {
    case 'fedmedian':
      return { weights: fedMedian(updates) };
    case 'trimmedmean':
      return { weights: trimmedMean(updates, strategy.trimBeta ?? 0.2) };
    case 'krum':
      return {
        weights: krum(updates, {
          numMalicious: strategy.numMalicious ?? 0,
          numToKeep: strategy.numToKeep ?? 0,
        }),
      };
    case 'fedavg':
    case 'fedprox':
    case 'fedadam':
    case 'fedyogi':
    case 'fedadagrad':
    case 'fedavgm':
      break;
  }
  // Modality-aware: each parameter group is averaged over the sites that trained it.
  const averaged = fedAvg(updates, { layout, current: global });
  const optimizer = serverOptimizer(strategy);
  if (!optimizer) return { weights: averaged };
  if (input.optimizer) optimizer.restore(input.optimizer);
  const weights = optimizer.step(global, averaged, {
    round: input.round,
    frozen: untrainedRanges(updates, layout),
  });
  return { weights, optimizer: optimizer.snapshot() };
}
