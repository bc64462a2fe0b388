import { createRng, normal } from '@fedfuse/model/spec';

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

/** A seeded standard normal generator, so every run draws the same scores. */
export function seededNormal(seed: number): () => number {
  const random = createRng(seed);
  return () => normal(random);
}
