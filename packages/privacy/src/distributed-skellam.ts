// Distributed DP-FedAvg under secure aggregation (Agarwal, Kairouz & Liu 2021, "The Skellam Mechanism for
// Differentially Private Federated Learning"): each site adds Skellam noise to its quantised, clipped update
// before masking; the sum of independent Skellams is Skellam, so the unmasked sum carries the noise of every
// survivor, and nobody (not the coordinator) ever sees a less noisy value.
import { requireInteger, requirePositive } from './require.ts';

/** What one round of the distributed Skellam mechanism is accounted with, in quantised (integer) units. */
export interface SkellamSteps {
  /** Δ1: the largest L1 norm one site's quantised update can have. */
  l1Sensitivity: number;
  /** Δ2: the largest L2 norm one site's quantised update can have. */
  l2Sensitivity: number;
  /** Per-coordinate variance of the noise in the sum (2μ for Poisson(μ) − Poisson(μ)). */
  variance: number;
  count: number;
}

/**
 * RDP at integer order α of one Skellam release with variance V per coordinate (Agarwal et al. 2021,
 * Theorem 3.5, written with V = 2μ as in Google's distributed_dp accounting):
 * ε(α) ≤ α·Δ2²/(2V) + min(((2α − 1)·Δ2² + 6·Δ1)/(4V²), 3·Δ1/(2V)).
 * The first term is the Gaussian's of the same variance; the second vanishes as V grows.
 */
export function skellamRdp(step: Omit<SkellamSteps, 'count'>, order: number): number {
  const { l1Sensitivity: l1, l2Sensitivity: l2, variance: v } = step;
  const gaussian = (order * l2 * l2) / (2 * v);
  const correction = Math.min(((2 * order - 1) * l2 * l2 + 6 * l1) / (4 * v * v), (3 * l1) / (2 * v));
  return gaussian + correction;
}

export function checkSkellamSteps(step: SkellamSteps): void {
  requirePositive('l1Sensitivity', step.l1Sensitivity);
  requirePositive('l2Sensitivity', step.l2Sensitivity);
  requirePositive('variance', step.variance);
  requireInteger('count', step.count, 0);
}

/** What a distributed-Skellam round is made of. */
export interface DistributedSkellamArgs {
  /** C: the L2 bound on a site's delta, in weight units. */
  clip: number;
  /** z: the noise in the sum has standard deviation z·scale·C when every one of `noiseShares` sites adds its share. */
  noiseMultiplier: number;
  /** γ: quantised units per unit of weight (secure aggregation's fixed-point scale). */
  scale: number;
  /** d: weights in a delta. */
  dimension: number;
  /** n: the sites the noise is split over; each adds variance (z·γ·C)²/n. */
  noiseShares: number;
  /** k ≤ n: the sites whose noise is in the unmasked sum (the survivors, or the fewest a round commits with). */
  contributors: number;
}

/** One site's noise and the round's accounting parameters. */
export interface DistributedSkellam {
  /** μ of each site's Poisson(μ) − Poisson(μ) noise, per coordinate. */
  siteMu: number;
  /** Accounting parameters of the noise the `contributors` sites add together. */
  accounting: Omit<SkellamSteps, 'count'>;
}

/**
 * A site's Skellam share and the round's sensitivities. Stochastic rounding moves each coordinate by less than 1,
 * so a clipped delta's quantised L2 norm is below γ·C + √d (Δ2, without conditional rounding's tighter bound);
 * Δ1 ≤ min(√d·Δ2, Δ2²) (Cauchy–Schwarz; |x| ≤ x² for integers).
 * @example distributedSkellam({ clip: 3, noiseMultiplier: 1, scale: 2 ** 21 / 3, dimension: 1e5, noiseShares: 10, contributors: 7 })
 */
export function distributedSkellam(args: DistributedSkellamArgs): DistributedSkellam {
  requirePositive('clip', args.clip);
  requirePositive('noiseMultiplier', args.noiseMultiplier);
  requirePositive('scale', args.scale);
  requireInteger('dimension', args.dimension, 1);
  requireInteger('noiseShares', args.noiseShares, 1);
  requireInteger('contributors', args.contributors, 1);
  if (args.contributors > args.noiseShares)
    throw new RangeError(
      `contributors (${args.contributors}) must not exceed noiseShares (${args.noiseShares}): only the sites that share the noise add it`,
    );
  const sumStd = args.noiseMultiplier * args.scale * args.clip;
  const siteVariance = (sumStd * sumStd) / args.noiseShares;
  const l2Sensitivity = args.scale * args.clip + Math.sqrt(args.dimension);
  const l1Sensitivity = Math.min(Math.sqrt(args.dimension) * l2Sensitivity, l2Sensitivity * l2Sensitivity);
  return {
    siteMu: siteVariance / 2,
    accounting: { l1Sensitivity, l2Sensitivity, variance: args.contributors * siteVariance },
  };
}

const HALF_MODULUS = 2 ** 31;

/** The wrap-around probability a DP round's masked sum may have (sumWrapProbability): one round in 10⁹. */
export const MAX_WRAP_PROBABILITY = 1e-9;

/**
 * An upper bound on the probability that any of `dimension` coordinates of x + N leaves [−2³¹, 2³¹) (the
 * 32-bit modular sum then wraps and decodes wrong), for |xᵢ| ≤ `bound` and N Skellam with variance V. Chernoff:
 * P(|N| ≥ a) ≤ 2·exp(−(a·t − V(cosh t − 1))) at t = asinh(a/V), from E[e^{tN}] = exp(V(cosh t − 1)); a union
 * over the coordinates multiplies by d.
 */
export function sumWrapProbability(args: { bound: number; variance: number; dimension: number }): number {
  requirePositive('variance', args.variance);
  requireInteger('dimension', args.dimension, 1);
  if (!(args.bound >= 0) || !Number.isFinite(args.bound))
    throw new RangeError(`bound must be a finite number ≥ 0, got ${args.bound}`);
  const room = HALF_MODULUS - args.bound;
  if (room <= 0) return 1;
  const ratio = room / args.variance;
  // V(cosh t − 1) with cosh(asinh r) = √(1 + r²), written to stay exact for small r.
  const exponent = room * Math.asinh(ratio) - (room * ratio) / (Math.sqrt(1 + ratio * ratio) + 1);
  return Math.min(1, 2 * args.dimension * Math.exp(-exponent));
}
