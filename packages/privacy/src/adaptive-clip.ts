// Adaptive clipping for DP-FedAvg: Andrew, Thakkar, McMahan & Ramaswamy 2021, "Differentially Private
// Learning with Adaptive Clipping" (geometric update, Algorithm 1, and the noise split of Theorem 1).
import { requireNonNegative, requirePositive } from './require.ts';

export interface NextAdaptiveClipArgs {
  /** The clipping norm C used this round. */
  clip: number;
  /** b̃: the (noised) fraction of updates whose norm was at most C; noise can push it outside [0, 1]. */
  unclippedFraction: number;
  /** γ: the quantile of update norms C should track, e.g. 0.5. */
  targetQuantile: number;
  /** η_C: the geometric learning rate, e.g. 0.2. */
  learningRate: number;
}

/** Next round's clipping norm, C·exp(−η(b̃ − γ)): it shrinks while more than γ of updates fit. */
export function nextAdaptiveClip(args: NextAdaptiveClipArgs): number {
  requirePositive('clip', args.clip);
  if (!Number.isFinite(args.unclippedFraction)) {
    throw new RangeError(`unclippedFraction must be finite, got ${args.unclippedFraction}`);
  }
  if (!(args.targetQuantile >= 0 && args.targetQuantile <= 1)) {
    throw new RangeError(`targetQuantile must lie in [0, 1], got ${args.targetQuantile}`);
  }
  requireNonNegative('learningRate', args.learningRate);
  return args.clip * Math.exp(-args.learningRate * (args.unclippedFraction - args.targetQuantile));
}

export interface AdaptiveNoiseMultiplierArgs {
  /** z: the noise multiplier the whole round must meet (what the accountant sees). */
  noiseMultiplier: number;
  /** σ_b: the standard deviation of the noise on the count of unclipped updates. */
  countNoiseStd: number;
}

/** z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2): the multiplier left for the updates once the clipped-count query
 *  spends its share, so the pair together is as private as one Gaussian query with multiplier z. */
export function adaptiveNoiseMultiplier(args: AdaptiveNoiseMultiplierArgs): number {
  requirePositive('noiseMultiplier', args.noiseMultiplier);
  requirePositive('countNoiseStd', args.countNoiseStd);
  const left = args.noiseMultiplier ** -2 - (2 * args.countNoiseStd) ** -2;
  if (!(left > 0)) {
    throw new RangeError(
      `countNoiseStd ${args.countNoiseStd} must exceed noiseMultiplier / 2 = ${args.noiseMultiplier / 2}: ` +
        'the count query would spend the whole budget',
    );
  }
  return left ** -0.5;
}
