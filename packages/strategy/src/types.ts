/** One site's training result as the aggregation functions see it (Flower's FitRes, reduced to the math). */
export interface ClientUpdate {
  /** Flat model weights after local training. */
  weights: Float32Array;
  /** Examples the site trained on; the FedAvg weight. */
  numExamples: number;
  /**
   * Per parameter group, how many of those examples exercised it (a site without imaging reports
   * `imaging: 0`). A group a site leaves out counts as `numExamples`.
   */
  groupExamples?: Readonly<Record<string, number>>;
}

/** One named slice of the flat weight vector and the parameter group that owns it. */
export interface LayoutEntry {
  name: string;
  offset: number;
  length: number;
  group: string;
}

/** Which index ranges of the flat weight vector belong to which parameter group. */
export type ParameterLayout = readonly LayoutEntry[];

/** A half-open index range `[offset, offset + length)` of the flat weight vector. */
export interface IndexRange {
  offset: number;
  length: number;
}

/** Updates and their (already normalised) coefficients, averaged over `[start, end)` into `out`. */
export interface WeightedAverageArgs {
  out: Float32Array;
  weights: readonly Float32Array[];
  coefficients: readonly number[];
  start: number;
  end: number;
}
