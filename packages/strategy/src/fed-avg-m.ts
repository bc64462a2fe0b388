import {
  activeRanges,
  assertHyperParameter,
  assertStepInputs,
  ensureState,
  readSnapshot,
  stepRound,
  takeSnapshot,
} from './server-optimizer.ts';
import type { OptimizerSnapshot, ServerOptimizer, StepOptions } from './server-optimizer.ts';

/** Hyper-parameters of {@link FedAvgM}; defaults are Flower's (which make it plain FedAvg). */
export interface FedAvgMOptions {
  /** Server learning rate (default 1). */
  serverLearningRate?: number;
  /** Server momentum μ (default 0). */
  serverMomentum?: number;
}

/**
 * FedAvgM (Hsu et al. 2019) as in Flower: g = x − aggregated, v = g on the first step and μ·v + g after,
 * x −= lr·v (lr·g when μ = 0). With lr = 1 and μ = 0 it returns the aggregate unchanged, like Flower.
 */
export class FedAvgM implements ServerOptimizer {
  readonly serverLearningRate: number;
  readonly serverMomentum: number;
  private momentum: Float64Array | undefined;
  private steps = 0;

  constructor(options: FedAvgMOptions = {}) {
    ({ serverLearningRate: this.serverLearningRate = 1, serverMomentum: this.serverMomentum = 0 } = options);
    assertHyperParameter(this.serverLearningRate, {
      name: 'FedAvgM serverLearningRate',
      min: 0,
      max: Infinity,
    });
    assertHyperParameter(this.serverMomentum, { name: 'FedAvgM serverMomentum', min: 0, max: 1 });
  }

  /** Applies one FedAvgM step; frozen ranges keep their weights and momentum untouched. */
  step(current: Float32Array, aggregated: Float32Array, options: StepOptions = {}): Float32Array {
    const length = assertStepInputs(current, aggregated, 'FedAvgM');
    stepRound(options, this.steps, 'FedAvgM');
    const out = Float32Array.from(current);
    const active = activeRanges(options.frozen, length);
    if (this.serverLearningRate === 1 && this.serverMomentum === 0) {
      // Flower skips server optimisation here; copying avoids x − (x − a) rounding away from a.
      for (const { offset, length: size } of active)
        out.set(aggregated.subarray(offset, offset + size), offset);
    } else {
      this.applyMomentum({ current, aggregated, out, active });
    }
    this.steps++;
    return out;
  }

  private applyMomentum(args: {
    current: Float32Array;
    aggregated: Float32Array;
    out: Float32Array;
    active: readonly { offset: number; length: number }[];
  }): void {
    const { current, aggregated, out, active } = args;
    const mu = this.serverMomentum;
    const lr = this.serverLearningRate;
    const first = this.momentum === undefined;
    const v = (this.momentum = ensureState(this.momentum, current.length, 'FedAvgM'));
    for (const { offset, length: size } of active) {
      for (let i = offset; i < offset + size; i++) {
        const x = current[i]!;
        const g = x - aggregated[i]!;
        // Flower starts the momentum at g rather than decaying a zero vector; the result is the same.
        const vi = (v[i] = first ? g : mu * v[i]! + g);
        out[i] = x - lr * vi;
      }
    }
  }

  /** A copy of the optimizer state (step count and moments). */
  snapshot(): OptimizerSnapshot {
    return takeSnapshot('FedAvgM', this.steps, { momentum: this.momentum });
  }

  /** Resumes from a snapshot of a FedAvgM. */
  restore(snapshot: OptimizerSnapshot): void {
    const { steps, buffers } = readSnapshot(snapshot, { kind: 'FedAvgM', buffers: ['momentum'] });
    this.steps = steps;
    this.momentum = buffers.momentum;
  }
}
