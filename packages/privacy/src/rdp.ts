// Rényi DP of the sampled Gaussian mechanism at integer orders: a port of Opacus's
// opacus/accountants/analysis/rdp.py (_compute_log_a_for_int_alpha, _compute_rdp, compute_rdp),
// which follows Mironov, Talwar & Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
// Mechanism", Section 3.3. Only integer orders: their A_α is a finite binomial sum, exact in log space.
import { requireInteger, requirePositive } from './require.ts';

/** One run of `count` identical steps: each samples records with probability `sampleRate` and adds
 *  Gaussian noise of standard deviation `noiseMultiplier` × the L2 sensitivity. */
export interface GaussianSteps {
  sampleRate: number;
  noiseMultiplier: number;
  count: number;
}

/** Every integer order from 2 to 256. Optimal orders for ε between ~0.1 and ~50 at δ ≥ 1e-10 fall
 *  inside; each order α costs α + 1 terms, so the whole set is ~33k terms per kind of step. */
export const DEFAULT_ORDERS: readonly number[] = Object.freeze(Array.from({ length: 255 }, (_, i) => i + 2));

// Each order costs order + 1 terms: the bound keeps one call's work bounded.
const MAX_ORDER = 4096;

/** RDP of `step.count` compositions of the sampled Gaussian mechanism, one value per order.
 *  @example computeRdp({ sampleRate: 0.01, noiseMultiplier: 1.1, count: 1000 }, DEFAULT_ORDERS) */
export function computeRdp(step: GaussianSteps, orders: readonly number[]): number[] {
  checkSteps(step);
  checkOrders(orders);
  return orders.map((order) =>
    step.count === 0 ? 0 : step.count * rdpOfOneStep(step.sampleRate, step.noiseMultiplier, order),
  );
}

export function checkSteps(step: GaussianSteps): void {
  if (!(step.sampleRate > 0 && step.sampleRate <= 1)) {
    throw new RangeError(`sampleRate must lie in (0, 1], got ${step.sampleRate}`);
  }
  requirePositive('noiseMultiplier', step.noiseMultiplier);
  requireInteger('count', step.count, 0);
}

export function checkOrders(orders: readonly number[]): void {
  if (orders.length === 0) throw new RangeError('orders must name at least one order');
  for (const order of orders) {
    if (!Number.isInteger(order) || order < 2 || order > MAX_ORDER) {
      throw new RangeError(`orders must be integers in [2, ${MAX_ORDER}], got ${order}`);
    }
  }
}

function rdpOfOneStep(sampleRate: number, noiseMultiplier: number, order: number): number {
  // Without subsampling the mechanism is the plain Gaussian: RDP α / (2σ²) exactly.
  if (sampleRate === 1) return order / (2 * noiseMultiplier * noiseMultiplier);
  return logAOfIntegerOrder(sampleRate, noiseMultiplier, order) / (order - 1);
}

/** log A_α = log Σ_{i=0..α} C(α,i) q^i (1−q)^(α−i) exp((i² − i) / (2σ²)), summed in log space. */
function logAOfIntegerOrder(q: number, sigma: number, order: number): number {
  const logQ = Math.log(q);
  const logNotQ = Math.log1p(-q);
  const twoSigmaSquared = 2 * sigma * sigma;
  let logBinomial = 0; // log C(α, 0)
  let logA = -Infinity;
  for (let i = 0; i <= order; i++) {
    // C(α, i) = C(α, i−1)·(α − i + 1)/i: a running sum of logs never overflows, unlike the binomial.
    if (i > 0) logBinomial += Math.log((order - i + 1) / i);
    const logTerm = logBinomial + i * logQ + (order - i) * logNotQ + (i * i - i) / twoSigmaSquared;
    logA = logAdd(logA, logTerm);
  }
  return logA;
}

/** log(e^x + e^y) without overflow. */
function logAdd(x: number, y: number): number {
  const low = Math.min(x, y);
  const high = Math.max(x, y);
  if (low === -Infinity || high === Infinity) return high;
  return Math.log1p(Math.exp(low - high)) + high;
}
