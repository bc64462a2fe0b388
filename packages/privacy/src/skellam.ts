// Skellam noise, the difference of two independent Poisson(μ) draws (Agarwal, Kairouz & Liu 2021,
// "The Skellam Mechanism for Differentially Private Federated Learning"): integer-valued and closed
// under sums, so per-site noise adds up to Skellam noise in a secure-aggregation sum.
import { uniformDouble, uniformPositiveDouble } from './random-source.ts';
import { requireInteger, requireNonNegative } from './require.ts';

// Outputs are Int32: μ ≤ 2⁴⁸ keeps |x| far below 2³¹ (its sd is √(2μ) ≤ 2^24.5).
const MAX_MU = 2 ** 48;
// Below this mean, multiply uniforms (Knuth); at or above it, Hörmann's PTRS, O(1) per draw.
const PTRS_FROM = 10;
const MAX_PASSES = 10_000;

/** `length` independent draws of Poisson(μ) − Poisson(μ): mean 0, variance 2μ. */
export function skellam(length: number, mu: number): Int32Array {
  requireInteger('length', length, 0);
  requireNonNegative('mu', mu);
  if (mu > MAX_MU) throw new RangeError(`mu must be ≤ 2^48, got ${mu}`);
  const out = new Int32Array(length);
  if (mu === 0) return out;
  for (let i = 0; i < length; i++) out[i] = poisson(mu) - poisson(mu);
  return out;
}

/** One Poisson(μ) draw from the CSPRNG. */
export function poisson(mu: number): number {
  return mu < PTRS_FROM ? poissonByProducts(mu) : poissonPtrs(mu);
}

function poissonByProducts(mu: number): number {
  const threshold = Math.exp(-mu);
  let product = uniformPositiveDouble();
  for (let count = 0; count < MAX_PASSES; count++) {
    if (product <= threshold) return count;
    product *= uniformPositiveDouble();
  }
  throw new Error('Poisson sampler did not stop');
}

/** Hörmann 1993, "The transformed rejection method for generating Poisson random variables" (PTRS). */
function poissonPtrs(mu: number): number {
  const logMu = Math.log(mu);
  const b = 0.931 + 2.53 * Math.sqrt(mu);
  const a = -0.059 + 0.02483 * b;
  const logInvAlpha = Math.log(1.1239 + 1.1328 / (b - 3.4));
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const u = uniformDouble() - 0.5;
    const v = uniformDouble();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mu + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    const logAccept = Math.log(v) + logInvAlpha - Math.log(a / (us * us) + b);
    if (logAccept <= -mu + k * logMu - logFactorial(k)) return k;
  }
  throw new Error('Poisson sampler did not accept');
}

const SMALL_LOG_FACTORIALS = (() => {
  const table = new Float64Array(256);
  for (let k = 2; k < table.length; k++) table[k] = (table[k - 1] ?? 0) + Math.log(k);
  return table;
})();

/** log k!: a table below 256, Stirling's series (error < 1e-17 there) above. */
function logFactorial(k: number): number {
  const small = SMALL_LOG_FACTORIALS[k];
  if (small !== undefined) return small;
  const k2 = k * k;
  const series = 1 / (12 * k) - 1 / (360 * k * k2) + 1 / (1260 * k * k2 * k2);
  return k * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI * k) + series;
}
