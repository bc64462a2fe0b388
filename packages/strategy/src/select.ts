/** Below this many values insertion sort beats partitioning. */
const SMALL = 16;

/**
 * Rearranges `values[lo..hi]` (inclusive) so that `values[k]` holds the value it would have if sorted,
 * with nothing larger before it and nothing smaller after it (quickselect, median-of-three pivot).
 */
export function selectInPlace(values: Float64Array, range: { lo: number; hi: number }, k: number): void {
  let { lo, hi } = range;
  while (hi - lo >= SMALL) {
    const pivot = medianOfThree(values, lo, hi);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    // Now [lo, j] <= pivot <= [i, hi], and anything strictly between j and i equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
  insertionSort(values, lo, hi);
}

function medianOfThree(values: Float64Array, lo: number, hi: number): number {
  const a = values[lo]!;
  const b = values[(lo + hi) >>> 1]!;
  const c = values[hi]!;
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}

function insertionSort(values: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i <= hi; i++) {
    const value = values[i]!;
    let j = i - 1;
    while (j >= lo && values[j]! > value) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = value;
  }
}

function swap(values: Float64Array, i: number, j: number): void {
  const t = values[i]!;
  values[i] = values[j]!;
  values[j] = t;
}

/** Copies coordinate `index` of every update into `scratch`, throwing on NaN (it would break the ordering). */
export function gatherColumn(weights: readonly Float32Array[], index: number, scratch: Float64Array): void {
  for (let k = 0; k < weights.length; k++) {
    const value = weights[k]![index]!;
    if (value !== value) throw new Error(`update ${k} has NaN at index ${index}; validate updates first`);
    scratch[k] = value;
  }
}
