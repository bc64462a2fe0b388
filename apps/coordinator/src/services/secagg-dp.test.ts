import { describe, expect, it } from 'vitest';
import type { RoundPrivacy, RoundSecAgg } from '@fedfuse/protocol';
import { DP_SECAGG_MECHANISM } from '@fedfuse/protocol';
import { computeEpsilon } from '@fedfuse/privacy';
import { settleSecureRoundPrivacy } from './dp-round.ts';
import { dpQuantisation, roundSkellam, secureRoundPrivacy } from './secagg-dp.ts';

const DIMENSION = 350_000;
const PRIVACY: RoundPrivacy = {
  mechanism: 'dp-fedavg-gaussian',
  clip: 3,
  noiseMultiplier: 1,
  accountedNoiseMultiplier: 1,
  sampleRate: 0.5,
  delta: 1e-5,
  pastRounds: [],
  contributors: [],
  unclippedFraction: null,
  nextClip: null,
  epsilon: null,
};

function secAgg(levelsLog2: number, sites = 5, threshold = 4): RoundSecAgg {
  return {
    toleratedDropouts: 1,
    toleratedColluders: 0,
    graph: 'complete',
    threshold,
    degree: sites - 1,
    clip: PRIVACY.clip,
    levelsLog2,
    maxExamples: 2 ** 20,
    roster: Array.from({ length: sites }, (_, i) => ({ siteId: `s${i}`, signingKey: 'A'.repeat(43) + '=' })),
    layout: { length: DIMENSION, groups: [{ name: 'all', ranges: [{ offset: 0, length: DIMENSION }] }] },
  };
}

describe(dpQuantisation.name, () => {
  it('keeps 22 levels when the noise fits, and gives up levels as the noise or the sites grow', () => {
    const fits = dpQuantisation({ sites: 5, clip: 3, noiseMultiplier: 1, dimension: DIMENSION });
    expect(fits).toEqual({ ok: true, clip: 3, levelsLog2: 22 });
    const loud = dpQuantisation({ sites: 5, clip: 3, noiseMultiplier: 200, dimension: DIMENSION });
    const crowded = dpQuantisation({ sites: 255, clip: 3, noiseMultiplier: 100, dimension: DIMENSION });
    // z = 200: each site's μ would pass skellam()'s 2^48 above 19 levels.
    expect(loud.ok && loud.levelsLog2).toBe(19);
    expect(crowded.ok && crowded.levelsLog2).toBeLessThan(22);
  });

  it('refuses noise no quantisation can hold, naming the numbers', () => {
    // Beyond the run schema's z ≤ 1000 (which always fits at 8 levels): the refusal itself.
    const refused = dpQuantisation({ sites: 255, clip: 3, noiseMultiplier: 1e8, dimension: DIMENSION });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toMatch(/noise multiplier 100000000 over 255 sites does not fit/);
  });
});

describe(secureRoundPrivacy.name, () => {
  it('names the distributed mechanism, claims no amplification and plans for the threshold of survivors', () => {
    const planned = secureRoundPrivacy(PRIVACY, secAgg(22));
    expect(planned.mechanism).toBe(DP_SECAGG_MECHANISM);
    expect(planned.sampleRate).toBe(1);
    const all = roundSkellam({ dp: PRIVACY, secAgg: secAgg(22), selectedSites: 5, contributors: 5 });
    expect(planned.skellam!.variance / all.variance).toBeCloseTo(4 / 5, 12);
  });
});

describe(settleSecureRoundPrivacy.name, () => {
  it("accounts the survivors' noise: fewer survivors, larger ε, and the Gaussian's ε when all survive", () => {
    const planned = secureRoundPrivacy(PRIVACY, secAgg(22));
    const settle = (survivors: string[]) =>
      settleSecureRoundPrivacy({
        privacy: planned,
        number: 1,
        survivors,
        skellam: roundSkellam({
          dp: PRIVACY,
          secAgg: secAgg(22),
          selectedSites: 5,
          contributors: survivors.length,
        }),
      });
    const all = settle(['s0', 's1', 's2', 's3', 's4']);
    const four = settle(['s0', 's1', 's2', 's3']);
    expect(all.contributors).toHaveLength(5);
    expect(four.epsilon!).toBeGreaterThan(all.epsilon!);
    const gaussian = computeEpsilon({
      steps: [{ sampleRate: 1, noiseMultiplier: 1, count: 1 }],
      delta: 1e-5,
    });
    // 2^21 levels per clip against √d = 592 of rounding: within 0.2% of the Gaussian at z = 1.
    expect(all.epsilon! / gaussian.epsilon - 1).toBeGreaterThanOrEqual(0);
    expect(all.epsilon! / gaussian.epsilon - 1).toBeLessThan(2e-3);
  });
});
