import type { AdaptiveMomentsOptions } from './adaptive-moments.ts';
import { AdaptiveMomentsOptimizer } from './adaptive-moments.ts';

/** Hyper-parameters of {@link FedAdam}; defaults are Flower's: η 0.1, β1 0.9, β2 0.99, τ 1e-9. */
export type FedAdamOptions = AdaptiveMomentsOptions;

/**
 * FedAdam (Reddi et al. 2020) as in Flower: Δ = aggregated − x, m = β1·m + (1 − β1)·Δ, v = β2·v + (1 − β2)·Δ²,
 * x += η·√(1 − β2^(t+1)) / (1 − β1^(t+1)) · m / (√v + τ) with t the server round.
 */
export class FedAdam extends AdaptiveMomentsOptimizer {
  constructor(options: FedAdamOptions = {}) {
    super('FedAdam', { ...options, eta: options.eta ?? 0.1, tau: options.tau ?? 1e-9 });
  }

  protected secondMoment(v: number, squaredDelta: number): number {
    return this.beta2 * v + (1 - this.beta2) * squaredDelta;
  }

  // Flower's exponent is server_round + 1 (not Kingma's t): kept so the two produce the same weights.
  protected rate(round: number): number {
    return (this.eta * Math.sqrt(1 - this.beta2 ** (round + 1))) / (1 - this.beta1 ** (round + 1));
  }
}
