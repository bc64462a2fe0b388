// RDP → (ε, δ): the conversion Opacus's get_privacy_spent uses (Balle et al. 2020, "Hypothesis testing
// interpretations and Rényi differential privacy", Theorem 21), tighter than Mironov 2017's
// ε = rdp − log δ / (α − 1) by (log α)/(α − 1) − log((α − 1)/α).
import { checkSkellamSteps, skellamRdp, type SkellamSteps } from './distributed-skellam.ts';
import { checkOrders, checkSteps, computeRdp, DEFAULT_ORDERS, type GaussianSteps } from './rdp.ts';
import { requireOpenUnit } from './require.ts';

export interface ComputeEpsilonArgs {
  steps: readonly GaussianSteps[];
  /** Rounds of the distributed Skellam mechanism (secure aggregation), composed with the Gaussian steps. */
  skellam?: readonly SkellamSteps[];
  delta: number;
  orders?: readonly number[];
}

/** The smallest ε over `orders` such that every step composed is (ε, δ)-DP, and the order giving it.
 *  No steps (or only zero counts) spend nothing: ε = 0.
 *  @example computeEpsilon({ steps: [{ sampleRate: 256 / 60000, noiseMultiplier: 1.1, count: 14062 }], delta: 1e-5 }) */
export function computeEpsilon(args: ComputeEpsilonArgs): { epsilon: number; order: number } {
  const orders = args.orders ?? DEFAULT_ORDERS;
  checkOrders(orders);
  requireOpenUnit('delta', args.delta);
  args.steps.forEach(checkSteps);
  const skellam = args.skellam ?? [];
  skellam.forEach(checkSkellamSteps);
  if ([...args.steps, ...skellam].every((step) => step.count === 0))
    return { epsilon: 0, order: orders[0] ?? 2 };

  const rdp = new Float64Array(orders.length);
  for (const step of args.steps) {
    computeRdp(step, orders).forEach((value, i) => (rdp[i] = (rdp[i] ?? 0) + value));
  }
  // RDP composes by adding per order, whatever the mechanism.
  for (const step of skellam)
    orders.forEach((order, i) => (rdp[i] = (rdp[i] ?? 0) + step.count * skellamRdp(step, order)));
  let best = { epsilon: Infinity, order: orders[0] ?? 2 };
  orders.forEach((order, i) => {
    const epsilon = epsilonAtOrder(rdp[i] ?? Infinity, order, args.delta);
    if (epsilon < best.epsilon) best = { epsilon, order };
  });
  return best;
}

function epsilonAtOrder(rdp: number, order: number, delta: number): number {
  const epsilon = rdp - (Math.log(delta) + Math.log(order)) / (order - 1) + Math.log((order - 1) / order);
  // A negative bound still means (0, δ)-DP: ε below zero says nothing more.
  return Math.max(0, epsilon);
}
