import { assertUpdates } from './assert-updates.ts';
import { gatherColumn, selectInPlace } from './select.ts';
import type { ClientUpdate } from './types.ts';

/** Coordinate-wise median of the updates, ignoring numExamples (Flower's `aggregate_median`). */
export function fedMedian(updates: readonly ClientUpdate[]): Float32Array {
  const length = assertUpdates(updates, 'fedMedian');
  const weights = updates.map((update) => update.weights);
  const n = weights.length;
  const out = new Float32Array(length);
  const scratch = new Float64Array(n);
  const range = { lo: 0, hi: n - 1 };
  const lower = (n - 1) >>> 1;
  for (let i = 0; i < length; i++) {
    gatherColumn(weights, i, scratch);
    selectInPlace(scratch, range, lower);
    // Even n: numpy averages the two middle values; the upper one is the minimum of the top half.
    out[i] = n % 2 === 1 ? scratch[lower]! : (scratch[lower]! + minimum(scratch, lower + 1)) / 2;
  }
  return out;
}

function minimum(values: Float64Array, from: number): number {
  let min = Infinity;
  for (let i = from; i < values.length; i++) if (values[i]! < min) min = values[i]!;
  return min;
}
