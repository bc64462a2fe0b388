import { quantisationScale } from '@fedfuse/secagg';
import { describe, expect, it } from 'vitest';

import { exactQuantisation, planRoundSecAgg } from './secure-aggregation-plan.ts';

const config = { toleratedDropouts: 1, toleratedColluders: 0, graph: 'complete' as const };

describe(exactQuantisation.name, () => {
  it('takes the most levels whose sum over the sites fits 32 bits, for every federation size', () => {
    for (let sites = 3; sites <= 255; sites++) {
      const { levelsLog2 } = exactQuantisation({ sites, trainCounts: [] });
      expect(sites * 2 ** levelsLog2).toBeLessThan(2 ** 32);
      expect(Math.min(31, levelsLog2 + 1) === levelsLog2 || sites * 2 ** (levelsLog2 + 1) >= 2 ** 32).toBe(
        true,
      );
    }
  });

  it("scales example counts by the largest site's reported training count, and keeps the default when one never reported", () => {
    expect(exactQuantisation({ sites: 3, trainCounts: [60, 600, 250] }).maxExamples).toBe(600);
    expect(exactQuantisation({ sites: 3, trainCounts: [60, undefined, 250] }).maxExamples).toBeUndefined();
    // A hostile report cannot make the plan coarser than the default, nor unplannable.
    const hostile = exactQuantisation({ sites: 5, trainCounts: [60, 60, 60, 60, 2 ** 31] });
    expect(hostile.maxExamples).toBe(2 ** 20);
    expect(planRoundSecAgg(config, 5, hostile).ok).toBe(true);
  });

  it("bounds the rounding of small sites' mean below 1e-6, where the default plan's bound was 0.03", () => {
    const sites = 5;
    const counts = [60, 60, 60, 60, 60];
    // decodeSum's bound: sites × maxExamples / (scale × Σ examples), per weight of the mean.
    const boundOf = (quantisation?: { levelsLog2: number; maxExamples?: number }) => {
      const planned = planRoundSecAgg(config, sites, quantisation);
      if (!planned.ok) throw new Error(planned.message);
      const { plan } = planned;
      return (sites * plan.maxExamples) / (quantisationScale(plan) * sites * 60);
    };
    expect(boundOf(exactQuantisation({ sites, trainCounts: counts }))).toBeLessThan(1e-6);
    expect(boundOf(undefined)).toBeGreaterThan(0.03);
  });
});
