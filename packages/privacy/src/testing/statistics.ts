// Bounded-sample statistics for the sampler tests. With no seed (the samplers read the CSPRNG), each
// check sets its tolerance so a correct sampler fails it with probability below ~1e-6.

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] ?? 0;
  return sum / values.length;
}

export function variance(values: ArrayLike<number>): number {
  const centre = mean(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += ((values[i] ?? 0) - centre) ** 2;
  return sum / (values.length - 1);
}

/** Pearson's χ² of integer draws against a pmf; values whose expected count is under 5 are pooled
 *  into one bin per tail. Returns the statistic and its degrees of freedom. */
export function chiSquare(
  draws: ArrayLike<number>,
  pmf: (x: number) => number,
  support: [number, number],
): { statistic: number; df: number } {
  const n = draws.length;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) counts.set(draws[i] ?? 0, (counts.get(draws[i] ?? 0) ?? 0) + 1);
  const [low, high] = support;
  let first = low;
  let last = high;
  while (pmf(first) * n < 5) first++;
  while (pmf(last) * n < 5) last--;
  const bins: { observed: number; expected: number }[] = [];
  let lowerTail = { observed: 0, expected: 0 };
  let upperTail = { observed: 0, expected: 0 };
  for (let x = low; x <= high; x++) {
    const bin = { observed: counts.get(x) ?? 0, expected: pmf(x) * n };
    if (x < first) lowerTail = add(lowerTail, bin);
    else if (x > last) upperTail = add(upperTail, bin);
    else bins.push(bin);
  }
  // Draws outside the support land in the tails: a sampler that strays there must raise χ².
  for (const [x, count] of counts) {
    if (x < low) lowerTail.observed += count;
    if (x > high) upperTail.observed += count;
  }
  for (const tail of [lowerTail, upperTail]) if (tail.expected > 0 || tail.observed > 0) bins.push(tail);
  const statistic = bins.reduce(
    (sum, b) => sum + (b.observed - b.expected) ** 2 / Math.max(b.expected, 1e-12),
    0,
  );
  return { statistic, df: bins.length - 1 };
}

/** A χ² bound exceeded with probability ≲ 1e-6 for df between 5 and 100: mean + 7 standard deviations. */
export function chiSquareBound(df: number): number {
  return df + 7 * Math.sqrt(2 * df);
}

function add(a: { observed: number; expected: number }, b: { observed: number; expected: number }) {
  return { observed: a.observed + b.observed, expected: a.expected + b.expected };
}
