import { emptyStatBlock, type Normalization, type StatBlock } from './feature-stats.ts';

/** A row-major block of a batch array: the first `cols` of each `width`-wide row. */
export interface BlockView {
  data: Float32Array;
  n: number;
  width: number;
  cols: number;
  /** Whether row i holds this modality (from the batch's `present`). */
  present: (row: number) => boolean;
  /** Whether cell (row, col) is missing (EHR missingness indicators); absent means none are. */
  missing?: (row: number, col: number) => boolean;
}

/** Accumulates count, sum and sum of squares per column over present, non-missing cells. */
export function blockStats(view: BlockView, names: readonly string[]): StatBlock {
  const out = emptyStatBlock(names);
  const count = new Float64Array(view.cols);
  const sum = new Float64Array(view.cols);
  const sumSq = new Float64Array(view.cols);
  for (let r = 0; r < view.n; r++) {
    if (!view.present(r)) continue;
    const base = r * view.width;
    for (let c = 0; c < view.cols; c++) {
      if (view.missing?.(r, c)) continue;
      const v = view.data[base + c] as number;
      count[c] = (count[c] as number) + 1;
      sum[c] = (sum[c] as number) + v;
      sumSq[c] = (sumSq[c] as number) + v * v;
    }
  }
  out.count = Array.from(count);
  out.sum = Array.from(sum);
  out.sumSq = Array.from(sumSq);
  return out;
}

/**
 * Re-standardizes a block in place from one normalization to another (`from` undefined means
 * the values are raw). Missing and absent cells stay 0, i.e. imputed with the mean.
 */
export function restandardize(view: BlockView, norms: { from?: Normalization; to: Normalization }): void {
  const { from, to } = norms;
  for (let r = 0; r < view.n; r++) {
    const base = r * view.width;
    const present = view.present(r);
    for (let c = 0; c < view.cols; c++) {
      if (!present || view.missing?.(r, c)) {
        view.data[base + c] = 0;
        continue;
      }
      const x = view.data[base + c] as number;
      const raw = from ? x * (from.std[c] as number) + (from.mean[c] as number) : x;
      view.data[base + c] = (raw - (to.mean[c] as number)) / (to.std[c] as number);
    }
  }
}
