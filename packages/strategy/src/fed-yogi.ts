import type { AdaptiveMomentsOptions } from './adaptive-moments.ts';
import { AdaptiveMomentsOptimizer } from './adaptive-moments.ts';

/** Hyper-parameters of {@link FedYogi}; defaults are Flower's: η 0.01, β1 0.9, β2 0.99, τ 1e-3. */
export type FedYogiOptions = AdaptiveMomentsOptions;

/**
 * FedYogi (Reddi et al. 2020) as in Flower: m = β1·m + (1 − β1)·Δ, v = v − (1 − β2)·Δ²·sign(v − Δ²),
 * x += η·m / (√v + τ), with no bias correction.
 */
export class FedYogi extends AdaptiveMomentsOptimizer {
  constructor(options: FedYogiOptions = {}) {
    super('FedYogi', { ...options, eta: options.eta ?? 0.01, tau: options.tau ?? 1e-3 });
  }

  protected secondMoment(v: number, squaredDelta: number): number {
    return v - (1 - this.beta2) * squaredDelta * Math.sign(v - squaredDelta);
  }

  protected rate(): number {
    return this.eta;
  }
}
