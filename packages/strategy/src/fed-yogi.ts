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

/** Hyper-parameters of {@link FedYogi}; defaults are Flower's. */
export interface FedYogiOptions {
  /** Server learning rate η (default 0.01). */
  eta?: number;
  /** First-moment decay β1 (default 0.9). */
  beta1?: number;
  /** Second-moment decay β2 (default 0.99). */
  beta2?: number;
  /** Adaptivity τ (default 1e-3). */
  tau?: number;
}

/**
 * FedYogi (Reddi et al. 2020) as in Flower: m = β1·m + (1 − β1)·Δ, v = v − (1 − β2)·Δ²·sign(v − Δ²),
 * x += η·m / (√v + τ), with no bias correction.
 */
export class FedYogi implements ServerOptimizer {
  readonly eta: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly tau: number;
  private m: Float64Array | undefined;
  private v: Float64Array | undefined;
  private steps = 0;

  constructor(options: FedYogiOptions = {}) {
    ({
      eta: this.eta = 0.01,
      beta1: this.beta1 = 0.9,
      beta2: this.beta2 = 0.99,
      tau: this.tau = 1e-3,
    } = options);
    assertHyperParameter(this.eta, { name: 'FedYogi eta', min: 0, max: Infinity });
    assertHyperParameter(this.beta1, { name: 'FedYogi beta1', min: 0, max: 1 });
    assertHyperParameter(this.beta2, { name: 'FedYogi beta2', min: 0, max: 1 });
    assertHyperParameter(this.tau, { name: 'FedYogi tau', min: 0, max: Infinity });
  }

  /** Applies one FedYogi step; frozen ranges keep their weights and moments untouched. */
  step(current: Float32Array, aggregated: Float32Array, options: StepOptions = {}): Float32Array {
    const length = assertStepInputs(current, aggregated, 'FedYogi');
    stepRound(options, this.steps, 'FedYogi');
    const m = (this.m = ensureState(this.m, length, 'FedYogi'));
    const v = (this.v = ensureState(this.v, length, 'FedYogi'));
    const { eta, beta1, beta2, tau } = this;
    const out = Float32Array.from(current);
    for (const { offset, length: size } of activeRanges(options.frozen, length)) {
      for (let i = offset; i < offset + size; i++) {
        const x = current[i]!;
        const delta = aggregated[i]! - x;
        const squared = delta * delta;
        const mi = (m[i] = beta1 * m[i]! + (1 - beta1) * delta);
        const vi = (v[i] = v[i]! - (1 - beta2) * squared * Math.sign(v[i]! - squared));
        out[i] = x + (eta * mi) / (Math.sqrt(vi) + tau);
      }
    }
    this.steps++;
    return out;
  }

  /** A copy of the optimizer state (step count and moments). */
  snapshot(): OptimizerSnapshot {
    return takeSnapshot('FedYogi', this.steps, { m: this.m, v: this.v });
  }

  /** Resumes from a snapshot of a FedYogi. */
  restore(snapshot: OptimizerSnapshot): void {
    const { steps, buffers } = readSnapshot(snapshot, { kind: 'FedYogi', buffers: ['m', 'v'] });
    this.steps = steps;
    this.m = buffers.m;
    this.v = buffers.v;
  }
}
