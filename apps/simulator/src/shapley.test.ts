import { describe, expect, it } from 'vitest';
import { allSubsets, shapleyValues, subsetKey, type ModalityName } from './shapley.ts';

describe('shapleyValues', () => {
  it('gives each modality its own additive contribution', () => {
    const gain: Record<ModalityName, number> = { ehr: 0.05, imaging: 0.1, genomics: 0.2 };
    const phi = shapleyValues((s) => 0.5 + s.reduce((sum, m) => sum + gain[m], 0));
    expect(phi.ehr).toBeCloseTo(0.05, 12);
    expect(phi.imaging).toBeCloseTo(0.1, 12);
    expect(phi.genomics).toBeCloseTo(0.2, 12);
  });

  it('splits an interaction equally between the modalities that need each other (efficiency holds)', () => {
    // Only imaging and genomics together help: v = 0.9 with both, 0.5 otherwise.
    const value = (s: readonly ModalityName[]) =>
      s.includes('imaging') && s.includes('genomics') ? 0.9 : 0.5;
    const phi = shapleyValues(value);
    expect(phi.ehr).toBeCloseTo(0, 12);
    expect(phi.imaging).toBeCloseTo(0.2, 12);
    expect(phi.genomics).toBeCloseTo(0.2, 12);
    expect(phi.ehr + phi.imaging + phi.genomics).toBeCloseTo(value(['ehr', 'imaging', 'genomics']) - 0.5, 12);
  });

  it('matches a hand-computed case with the 1/3, 1/6 weights', () => {
    const v: Record<string, number> = {
      none: 0.5,
      ehr: 0.6,
      imaging: 0.7,
      genomics: 0.55,
      'ehr+imaging': 0.8,
      'ehr+genomics': 0.65,
      'imaging+genomics': 0.75,
      'ehr+imaging+genomics': 0.85,
    };
    const phi = shapleyValues((s) => v[subsetKey(s)]!);
    // φ_ehr = 1/3(0.1) + 1/6(0.1) + 1/6(0.1) + 1/3(0.1) = 0.1
    expect(phi.ehr).toBeCloseTo(0.1, 12);
    // φ_imaging = 1/3(0.2) + 1/6(0.2) + 1/6(0.2) + 1/3(0.2) = 0.2
    expect(phi.imaging).toBeCloseTo(0.2, 12);
    expect(phi.genomics).toBeCloseTo(0.05, 12);
  });

  it('enumerates the eight subsets with canonical keys', () => {
    expect(allSubsets().map(subsetKey)).toEqual([
      'none',
      'ehr',
      'imaging',
      'ehr+imaging',
      'genomics',
      'ehr+genomics',
      'imaging+genomics',
      'ehr+imaging+genomics',
    ]);
    expect(subsetKey(['genomics', 'ehr'])).toBe('ehr+genomics');
  });
});
