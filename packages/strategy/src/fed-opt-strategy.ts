import { FedAvgStrategy } from './fed-avg-strategy.ts';
import type { FedAvgStrategyOptions } from './fed-avg-strategy.ts';
import { untrainedRanges } from './layout.ts';
import type { UpdateSummary } from './running-fed-avg.ts';
import type { OptimizerSnapshot, ServerOptimizer } from './server-optimizer.ts';
import type { StatefulStrategy } from './strategy.ts';

/** Options of {@link FedOptStrategy}: FedAvg's plus the server optimizer. */
export interface FedOptStrategyOptions extends FedAvgStrategyOptions {
  /** FedAdam, FedYogi, FedAdagrad or FedAvgM (or any ServerOptimizer); it holds the optimizer state. */
  optimizer: ServerOptimizer;
}

/**
 * Flower's FedOpt family: the (group-weighted) FedAvg aggregate becomes a pseudo-gradient for a server
 * optimizer. Groups no site trained are frozen: their weights and optimizer state do not move.
 * @example new FedOptStrategy({ optimizer: new FedAdam({ eta: 0.01 }), layout })
 */
export class FedOptStrategy extends FedAvgStrategy implements StatefulStrategy {
  readonly optimizer: ServerOptimizer;

  constructor(options: FedOptStrategyOptions) {
    super(options);
    this.optimizer = options.optimizer;
  }

  protected override serverStep(
    round: number,
    mean: Float32Array,
    updates: readonly UpdateSummary[],
  ): Float32Array {
    const { layout } = this.options;
    const frozen = layout === undefined ? [] : untrainedRanges(updates, layout);
    return this.optimizer.step(this.currentWeights(round), mean, { round, frozen });
  }

  /** The server optimizer's moments, stored with each checkpoint. */
  snapshotState(): OptimizerSnapshot {
    return this.optimizer.snapshot();
  }

  restoreState(snapshot: OptimizerSnapshot): void {
    this.optimizer.restore(snapshot);
  }
}
