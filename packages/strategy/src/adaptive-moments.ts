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

/** Hyper-parameters of an adaptive server optimizer with two moments (FedAdam, FedYogi). */
export interface AdaptiveMomentsOptions {
  /** Server learning rate η. */
  eta?: number;
  /** First-moment decay β1 (default 0.9). */
  beta1?: number;
  /** Second-moment decay β2 (default 0.99). */
  beta2?: number;
  /** Adaptivity τ. */
  tau?: number;
}

/**
 * The part FedAdam and FedYogi share (Reddi et al. 2020): m = β1·m + (1 − β1)·Δ with Δ = aggregated − x,
 * x += rate·m / (√v + τ); each says how v moves and what the round's rate is.
 */
export abstract class AdaptiveMomentsOptimizer implements ServerOptimizer {
  readonly eta: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly tau: number;
  private m: Float64Array | undefined;
  private v: Float64Array | undefined;
  private steps = 0;

  protected constructor(
    private readonly kind: string,
    options: AdaptiveMomentsOptions & { eta: number; tau: number },
  ) {
    ({ eta: this.eta, beta1: this.beta1 = 0.9, beta2: this.beta2 = 0.99, tau: this.tau } = options);
    assertHyperParameter(this.eta, { name: `${kind} eta`, min: 0, max: Infinity });
    assertHyperParameter(this.beta1, { name: `${kind} beta1`, min: 0, max: 1 });
    assertHyperParameter(this.beta2, { name: `${kind} beta2`, min: 0, max: 1 });
    assertHyperParameter(this.tau, { name: `${kind} tau`, min: 0, max: Infinity });
  }

  /** The new second moment of one coordinate from its old value and Δ². */
  protected abstract secondMoment(v: number, squaredDelta: number): number;

  /** The step size of the server round `round` (bias correction, where the method has one). */
  protected abstract rate(round: number): number;

  /** Applies one step; frozen ranges keep their weights and moments untouched. */
  step(current: Float32Array, aggregated: Float32Array, options: StepOptions = {}): Float32Array {
    const length = assertStepInputs(current, aggregated, this.kind);
    const rate = this.rate(stepRound(options, this.steps, this.kind));
    const m = (this.m = ensureState(this.m, length, this.kind));
    const v = (this.v = ensureState(this.v, length, this.kind));
    const { beta1, tau } = this;
    const out = Float32Array.from(current);
    for (const { offset, length: size } of activeRanges(options.frozen, length)) {
      for (let i = offset; i < offset + size; i++) {
        const x = current[i]!;
        const delta = aggregated[i]! - x;
        const mi = (m[i] = beta1 * m[i]! + (1 - beta1) * delta);
        const vi = (v[i] = this.secondMoment(v[i]!, delta * delta));
        out[i] = x + (rate * mi) / (Math.sqrt(vi) + tau);
      }
    }
    this.steps++;
    return out;
  }

  /** A copy of the optimizer state (step count and moments). */
  snapshot(): OptimizerSnapshot {
    return takeSnapshot(this.kind, this.steps, { m: this.m, v: this.v });
  }

  /** Resumes from a snapshot of the same optimizer. */
  restore(snapshot: OptimizerSnapshot): void {
    const { steps, buffers } = readSnapshot(snapshot, { kind: this.kind, buffers: ['m', 'v'] });
    this.steps = steps;
    this.m = buffers.m;
    this.v = buffers.v;
  }
}
