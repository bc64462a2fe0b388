/** Exact AUC by pairs: P(score⁺ > score⁻) + ½·P(score⁺ = score⁻). Quadratic; for tests and benches. */
export function exactAuc(scores: readonly number[], labels: readonly number[]): number {
  let concordant = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      if (scores[i]! > scores[j]!) concordant += 1;
      else if (scores[i] === scores[j]) concordant += 0.5;
    }
  }
  return concordant / pairs;
}

/** A seeded standard normal generator (mulberry32 and Box–Muller), so every run draws the same scores. */
export function seededNormal(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}
