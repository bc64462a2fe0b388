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

/** Pearson's χ² of integer draws against a pmf on `support`. Values whose expected count is under 5
 *  are folded into the outermost bin on their side (draws beyond the support too), so every bin
 *  expects at least 5. Returns the statistic and its degrees of freedom. */
export function chiSquare(
  draws: ArrayLike<number>,
  pmf: (x: number) => number,
  support: [number, number],
): { statistic: number; df: number } {
  const n = draws.length;
  const [low, high] = support;
  let first = low;
  let last = high;
  while (pmf(first) * n < 5 && first < high) first++;
  while (pmf(last) * n < 5 && last > first) last--;
  const bins = Array.from({ length: last - first + 1 }, () => ({ observed: 0, expected: 0 }));
  const binOf = (x: number) => bins[Math.min(Math.max(x, first), last) - first]!;
  for (let x = low; x <= high; x++) binOf(x).expected += pmf(x) * n;
  for (let i = 0; i < n; i++) binOf(draws[i] ?? 0).observed += 1;
  const statistic = bins.reduce((sum, b) => sum + (b.observed - b.expected) ** 2 / b.expected, 0);
  return { statistic, df: bins.length - 1 };
}

/** The χ² value a correct sampler exceeds with probability ≤ 1e-6: the Wilson–Hilferty quantile, a
 *  little above the exact one (tail 4e-7 to 9e-7 for df from 4 to 80, checked against scipy). */
export function chiSquareBound(df: number): number {
  const z = 4.753424; // the standard normal's 1 − 1e-6 quantile
  return df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
}
