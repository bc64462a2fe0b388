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

/** Hyper-parameters of {@link FedAdam}; defaults are Flower's. */
export interface FedAdamOptions {
  /** Server learning rate η (default 0.1). */
  eta?: number;
  /** First-moment decay β1 (default 0.9). */
  beta1?: number;
  /** Second-moment decay β2 (default 0.99). */
  beta2?: number;
  /** Adaptivity τ (default 1e-9, Flower's `server.strategy.FedAdam`). */
  tau?: number;
}

/**
 * FedAdam (Reddi et al. 2020) as in Flower: Δ = aggregated − x, m = β1·m + (1 − β1)·Δ, v = β2·v + (1 − β2)·Δ²,
 * x += η·√(1 − β2^(t+1)) / (1 − β1^(t+1)) · m / (√v + τ) with t the server round.
 */
export class FedAdam implements ServerOptimizer {
  readonly eta: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly tau: number;
  private m: Float64Array | undefined;
  private v: Float64Array | undefined;
  private steps = 0;

  constructor(options: FedAdamOptions = {}) {
    ({
      eta: this.eta = 0.1,
      beta1: this.beta1 = 0.9,
      beta2: this.beta2 = 0.99,
      tau: this.tau = 1e-9,
    } = options);
    assertHyperParameter(this.eta, { name: 'FedAdam eta', min: 0, max: Infinity });
    assertHyperParameter(this.beta1, { name: 'FedAdam beta1', min: 0, max: 1 });
    assertHyperParameter(this.beta2, { name: 'FedAdam beta2', min: 0, max: 1 });
    assertHyperParameter(this.tau, { name: 'FedAdam tau', min: 0, max: Infinity });
  }

  /** Applies one FedAdam step; frozen ranges keep their weights and moments untouched. */
  step(current: Float32Array, aggregated: Float32Array, options: StepOptions = {}): Float32Array {
    const length = assertStepInputs(current, aggregated, 'FedAdam');
    const round = stepRound(options, this.steps, 'FedAdam');
    const m = (this.m = ensureState(this.m, length, 'FedAdam'));
    const v = (this.v = ensureState(this.v, length, 'FedAdam'));
    const { beta1, beta2, tau } = this;
    // Flower's exponent is server_round + 1 (not Kingma's t): kept so the two produce the same weights.
    const etaNorm = (this.eta * Math.sqrt(1 - beta2 ** (round + 1))) / (1 - beta1 ** (round + 1));
    const out = Float32Array.from(current);
    for (const { offset, length: size } of activeRanges(options.frozen, length)) {
      for (let i = offset; i < offset + size; i++) {
        const x = current[i]!;
        const delta = aggregated[i]! - x;
        const mi = (m[i] = beta1 * m[i]! + (1 - beta1) * delta);
        const vi = (v[i] = beta2 * v[i]! + (1 - beta2) * delta * delta);
        out[i] = x + (etaNorm * mi) / (Math.sqrt(vi) + tau);
      }
    }
    this.steps++;
    return out;
  }

  /** A copy of the optimizer state (step count and moments). */
  snapshot(): OptimizerSnapshot {
    return takeSnapshot('FedAdam', this.steps, { m: this.m, v: this.v });
  }

  /** Resumes from a snapshot of a FedAdam. */
  restore(snapshot: OptimizerSnapshot): void {
    const { steps, buffers } = readSnapshot(snapshot, { kind: 'FedAdam', buffers: ['m', 'v'] });
    this.steps = steps;
    this.m = buffers.m;
    this.v = buffers.v;
  }
}
