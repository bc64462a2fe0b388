// The exact discrete Gaussian sampler of Canonne, Kamath & Steinke 2020, "The Discrete Gaussian for
// Differential Privacy" (Algorithms 1–3): Bernoulli(exp(−γ)) from Bernoulli draws with rational
// probabilities, a discrete Laplace proposal, and an exact rejection step. Every probability is a
// ratio of bigints, so no floating-point rounding shapes the output distribution.
import { uniformBigBelow } from './random-source.ts';
import { requireInteger, requireNonNegative } from './require.ts';

// Outputs are Int32: σ ≤ 2²⁷ keeps them in range with overwhelming probability (|x| < 16σ).
const MAX_SIGMA = 2 ** 27;
// Each loop below continues with probability ≤ e⁻¹ or ≤ 1/2 per pass: this many passes means a bug.
const MAX_PASSES = 10_000;

/** `length` independent draws from the discrete Gaussian N_Z(0, σ²), P(x) ∝ exp(−x² / (2σ²)). */
export function discreteGaussian(length: number, sigma: number): Int32Array {
  requireInteger('length', length, 0);
  requireNonNegative('sigma', sigma);
  if (sigma > MAX_SIGMA) throw new RangeError(`sigma must be ≤ 2^27, got ${sigma}`);
  const out = new Int32Array(length);
  if (sigma === 0) return out;
  const variance = exactSquare(sigma);
  const scale = BigInt(Math.floor(sigma) + 1);
  for (let i = 0; i < length; i++) out[i] = sampleOne(variance, scale);
  return out;
}

interface Ratio {
  num: bigint;
  den: bigint;
}

/** σ² as an exact ratio: a double σ is m / 2^k, so σ² = m² / 4^k. */
function exactSquare(sigma: number): Ratio {
  let mantissa = sigma;
  let halvings = 0n;
  // Doubling a double is exact; a finite double becomes an integer within 1075 doublings.
  while (!Number.isInteger(mantissa)) {
    mantissa *= 2;
    halvings++;
  }
  const m = BigInt(mantissa);
  return { num: m * m, den: 1n << (2n * halvings) };
}

function sampleOne(variance: Ratio, scale: bigint): number {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const y = discreteLaplace(scale);
    const magnitude = y < 0n ? -y : y;
    // γ = (|y| − σ²/t)² / (2σ²) with σ² = a/b: ((|y|·t·b − a)²) / (2·a·b·t²).
    const gap = magnitude * scale * variance.den - variance.num;
    const gamma = { num: gap * gap, den: 2n * variance.num * variance.den * scale * scale };
    if (bernoulliExp(gamma)) {
      if (magnitude >= 2n ** 31n) throw new RangeError('discrete Gaussian draw outside Int32');
      return Number(y);
    }
  }
  throw new Error('discrete Gaussian: rejection did not accept');
}

function bernoulli(p: Ratio): boolean {
  return uniformBigBelow(p.den) < p.num;
}

/** Bernoulli(exp(−γ)) for γ ∈ [0, 1] (CKS Algorithm 1, first part). */
function bernoulliExpUpToOne(gamma: Ratio): boolean {
  let k = 1n;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    if (!bernoulli({ num: gamma.num, den: gamma.den * k })) return k % 2n === 1n;
    k++;
  }
  throw new Error('Bernoulli(exp(−γ)) did not stop');
}

/** Bernoulli(exp(−γ)) for γ ≥ 0: one Bernoulli(e⁻¹) per whole unit of γ, then the remainder. */
function bernoulliExp(gamma: Ratio): boolean {
  let num = gamma.num;
  for (; num > gamma.den; num -= gamma.den) {
    if (!bernoulliExpUpToOne({ num: 1n, den: 1n })) return false;
  }
  return bernoulliExpUpToOne({ num, den: gamma.den });
}

/** Geometric: the number of Bernoulli(e⁻¹) successes before the first failure. */
function geometricOfOne(): bigint {
  let count = 0n;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    if (!bernoulliExpUpToOne({ num: 1n, den: 1n })) return count;
    count++;
  }
  throw new Error('geometric sampler did not stop');
}

/** P(x) ∝ exp(−|x| / t) on the integers (CKS Algorithm 2 with s = 1). */
function discreteLaplace(scale: bigint): bigint {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const remainder = uniformRemainder(scale);
    const magnitude = geometricOfOne() * scale + remainder;
    const negative = bernoulli({ num: 1n, den: 2n });
    if (negative && magnitude === 0n) continue; // zero would otherwise count twice
    return negative ? -magnitude : magnitude;
  }
  throw new Error('discrete Laplace sampler did not stop');
}

/** U uniform in [0, t), accepted with probability exp(−U / t). */
function uniformRemainder(scale: bigint): bigint {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const u = uniformBigBelow(scale);
    if (bernoulliExpUpToOne({ num: u, den: scale })) return u;
  }
  throw new Error('discrete Laplace remainder did not accept');
}
