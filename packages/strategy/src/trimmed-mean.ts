import { assertUpdates } from './assert-updates.ts';
import { gatherColumn, selectInPlace } from './select.ts';
import type { ClientUpdate } from './types.ts';

/**
 * Coordinate-wise trimmed mean: drop floor(beta·N) values from each end, average the rest unweighted
 * (Flower's `aggregate_trimmed_avg`; beta in [0, 0.5), Flower's default 0.2).
 */
export function trimmedMean(updates: readonly ClientUpdate[], beta: number): Float32Array {
  const length = assertUpdates(updates, 'trimmedMean');
  if (!(beta >= 0 && beta < 0.5)) throw new Error(`trimmedMean: beta must be in [0, 0.5), got ${beta}`);
  const weights = updates.map((update) => update.weights);
  const n = weights.length;
  const cut = Math.floor(beta * n);
  const keep = n - 2 * cut;
  const out = new Float32Array(length);
  const scratch = new Float64Array(n);
  const whole = { lo: 0, hi: n - 1 };
  const upper = { lo: cut, hi: n - 1 };
  for (let i = 0; i < length; i++) {
    gatherColumn(weights, i, scratch);
    if (cut > 0) {
      // After these two selections [cut, n - cut) holds exactly the kept values, in some order.
      selectInPlace(scratch, whole, cut);
      selectInPlace(scratch, upper, n - cut - 1);
    }
    let sum = 0;
    for (let k = cut; k < cut + keep; k++) sum += scratch[k]!;
    out[i] = sum / keep;
  }
  return out;
}
