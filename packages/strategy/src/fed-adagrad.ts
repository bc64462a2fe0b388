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

/** Hyper-parameters of {@link FedAdagrad}; defaults are Flower's. */
export interface FedAdagradOptions {
  /** Server learning rate η (default 0.1). */
  eta?: number;
  /** Adaptivity τ (default 1e-9, Flower's `server.strategy.FedAdagrad`). */
  tau?: number;
}

/** FedAdagrad (Reddi et al. 2020) as in Flower: β1 = 0 so m = Δ, v += Δ², x += η·Δ / (√v + τ). */
export class FedAdagrad implements ServerOptimizer {
  readonly eta: number;
  readonly tau: number;
  private v: Float64Array | undefined;
  private steps = 0;

  constructor(options: FedAdagradOptions = {}) {
    ({ eta: this.eta = 0.1, tau: this.tau = 1e-9 } = options);
    assertHyperParameter(this.eta, { name: 'FedAdagrad eta', min: 0, max: Infinity });
    assertHyperParameter(this.tau, { name: 'FedAdagrad tau', min: 0, max: Infinity });
  }

  /** Applies one FedAdagrad step; frozen ranges keep their weights and accumulator untouched. */
  step(current: Float32Array, aggregated: Float32Array, options: StepOptions = {}): Float32Array {
    const length = assertStepInputs(current, aggregated, 'FedAdagrad');
    stepRound(options, this.steps, 'FedAdagrad');
    const v = (this.v = ensureState(this.v, length, 'FedAdagrad'));
    const { eta, tau } = this;
    const out = Float32Array.from(current);
    for (const { offset, length: size } of activeRanges(options.frozen, length)) {
      for (let i = offset; i < offset + size; i++) {
        const x = current[i]!;
        const delta = aggregated[i]! - x;
        const vi = (v[i] = v[i]! + delta * delta);
        out[i] = x + (eta * delta) / (Math.sqrt(vi) + tau);
      }
    }
    this.steps++;
    return out;
  }

  /** A copy of the optimizer state (step count and moments). */
  snapshot(): OptimizerSnapshot {
    return takeSnapshot('FedAdagrad', this.steps, { v: this.v });
  }

  /** Resumes from a snapshot of a FedAdagrad. */
  restore(snapshot: OptimizerSnapshot): void {
    const { steps, buffers } = readSnapshot(snapshot, { kind: 'FedAdagrad', buffers: ['v'] });
    this.steps = steps;
    this.v = buffers.v;
  }
}
