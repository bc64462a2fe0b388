/** The three modalities in the model's order. */
export const MODALITY_NAMES = ['ehr', 'imaging', 'genomics'] as const;
export type ModalityName = (typeof MODALITY_NAMES)[number];

/** A subset of the modalities as its canonical key: `none`, `ehr`, `ehr+imaging`, … */
export function subsetKey(subset: readonly ModalityName[]): string {
  const members = MODALITY_NAMES.filter((m) => subset.includes(m));
  return members.length === 0 ? 'none' : members.join('+');
}

/** All 2³ subsets of the modalities, the empty one first. */
export function allSubsets(): ModalityName[][] {
  return Array.from({ length: 8 }, (_, mask) => MODALITY_NAMES.filter((_, i) => (mask >> i) & 1));
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

/**
 * Exact Shapley values of the three modalities for a value function given on every subset:
 * φ_i = Σ_{S ⊆ M∖{i}} |S|!(|M|−|S|−1)!/|M|! · (v(S ∪ {i}) − v(S)). They add up to v(M) − v(∅).
 * @example shapleyValues((s) => 0.5 + 0.1 * s.length) // every modality gets 0.1
 */
export function shapleyValues(
  value: (subset: readonly ModalityName[]) => number,
): Record<ModalityName, number> {
  const m = MODALITY_NAMES.length;
  const out = { ehr: 0, imaging: 0, genomics: 0 };
  for (const modality of MODALITY_NAMES) {
    for (const subset of allSubsets()) {
      if (subset.includes(modality)) continue;
      const weight = (factorial(subset.length) * factorial(m - subset.length - 1)) / factorial(m);
      out[modality] += weight * (value([...subset, modality]) - value(subset));
    }
  }
  return out;
}
