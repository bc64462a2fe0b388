import { Identity, toBase64 } from '@fedfuse/crypto';
import type { FitIns, RoundSecAgg } from '@fedfuse/protocol';
import { describe, expect, it } from 'vitest';

import { secAggRoundOf } from './secagg-round.ts';

const identities = [0, 1, 2, 3, 4].map((k) => Identity.generate({ role: 'site', id: `s${k}` }));
const SEC_AGG: RoundSecAgg = {
  toleratedDropouts: 1,
  toleratedColluders: 0,
  graph: 'complete',
  threshold: 4,
  degree: 4,
  clip: 8,
  levelsLog2: 22,
  maxExamples: 1024,
  roster: identities.map((id) => ({ siteId: id.id, signingKey: toBase64(id.signingPublicKey) })),
  layout: { length: 4, groups: [{ name: 'all', ranges: [{ offset: 0, length: 4 }] }] },
};

function ins(secAgg: RoundSecAgg | undefined, selectedSites = 5): FitIns {
  return {
    runId: '00000000-0000-4000-8000-000000000001',
    roundId: '00000000-0000-4000-8000-000000000002',
    model: { modelHash: 'bb'.repeat(32) },
    privacy: { secureAggregation: secAgg !== undefined, secAgg, selectedSites, minSites: 5 },
  } as unknown as FitIns;
}

describe(secAggRoundOf.name, () => {
  it("builds the round from the instruction, with the coordinator's numbers checked again", () => {
    const built = secAggRoundOf(ins(SEC_AGG), 's2');
    if (!built.ok) throw new Error(built.message);
    expect(built.round.plan.threshold).toBe(4);
    expect(built.round.modelHash).toBe('bb'.repeat(32));
    expect(built.round.roster.get('s2')).toEqual(identities[2]!.signingPublicKey);
  });

  it.each([
    [{ threshold: 3 }, 's0', /threshold 3 ≤ 2\/3 of n = 5/],
    [{ toleratedDropouts: 2 }, 's0', /5 − threshold 4 = 1 < 2 tolerated dropouts/],
    [{ degree: 2 }, 's0', /degree 2 is not the 4 of a complete graph/],
    [{}, 'stranger', /this site \(stranger\) is not on the round's secure-aggregation roster/],
  ])('refuses %j for site %s, naming the problem', (change, siteId, message) => {
    const built = secAggRoundOf(ins({ ...SEC_AGG, ...change }), siteId);
    expect(!built.ok && built.message).toMatch(message);
  });

  it('refuses a roster that does not match the selection, or a round that is not secure', () => {
    expect(secAggRoundOf(ins(SEC_AGG, 6), 's0')).toEqual({
      ok: false,
      message: 'the roster names 5 sites, the round selected 6',
    });
    expect(secAggRoundOf(ins(undefined), 's0')).toEqual({
      ok: false,
      message: 'the round is not securely aggregated',
    });
  });
});
