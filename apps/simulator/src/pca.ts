/** The first two principal components of a row-major n × width matrix. */
export interface Projection {
  points: [number, number][];
  /** Share of the total variance along each component. */
  explainedVariance: [number, number];
}

/** Mean-centred covariance (width × width) of the rows. */
function covariance(
  values: Float32Array,
  n: number,
  width: number,
): { cov: Float64Array; mean: Float64Array } {
  const mean = new Float64Array(width);
  for (let r = 0; r < n; r++) for (let j = 0; j < width; j++) mean[j]! += values[r * width + j]! / n;
  const cov = new Float64Array(width * width);
  const row = new Float64Array(width);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < width; j++) row[j] = values[r * width + j]! - mean[j]!;
    for (let i = 0; i < width; i++) {
      const x = row[i]!;
      if (x === 0) continue;
      for (let j = i; j < width; j++) cov[i * width + j]! += (x * row[j]!) / Math.max(n - 1, 1);
    }
  }
  for (let i = 0; i < width; i++) for (let j = 0; j < i; j++) cov[i * width + j] = cov[j * width + i]!;
  return { cov, mean };
}

/** Leading eigenvector and eigenvalue of a symmetric matrix by power iteration (deterministic start). */
function leadingEigen(matrix: Float64Array, width: number): { vector: Float64Array; value: number } {
  let vector = Float64Array.from({ length: width }, (_, i) => 1 + ((i * 7919) % 13) / 13);
  let value = 0;
  for (let iteration = 0; iteration < 500; iteration++) {
    const next = new Float64Array(width);
    for (let i = 0; i < width; i++) {
      let s = 0;
      for (let j = 0; j < width; j++) s += matrix[i * width + j]! * vector[j]!;
      next[i] = s;
    }
    const norm = Math.hypot(...next);
    if (norm === 0) return { vector, value: 0 };
    next.forEach((v, i) => (next[i] = v / norm));
    const change = next.reduce((s, v, i) => s + Math.abs(v - vector[i]!), 0);
    vector = next;
    value = norm;
    if (change < 1e-10) break;
  }
  return { vector, value };
}

/**
 * PCA to two dimensions (covariance + power iteration with deflation): enough for a scatter plot of
 * a few thousand fused embeddings, with no dependency.
 */
export function pca2(values: Float32Array, options: { n: number; width: number }): Projection {
  const { n, width } = options;
  const { cov, mean } = covariance(values, n, width);
  let total = 0;
  for (let i = 0; i < width; i++) total += cov[i * width + i]!;
  const first = leadingEigen(cov, width);
  const deflated = cov.map(
    (v, k) => v - first.value * first.vector[Math.floor(k / width)]! * first.vector[k % width]!,
  );
  const second = leadingEigen(deflated, width);
  const points: [number, number][] = [];
  for (let r = 0; r < n; r++) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < width; j++) {
      const x = values[r * width + j]! - mean[j]!;
      a += x * first.vector[j]!;
      b += x * second.vector[j]!;
    }
    points.push([a, b]);
  }
  const share = (v: number) => (total > 0 ? v / total : 0);
  return { points, explainedVariance: [share(first.value), share(second.value)] };
}
