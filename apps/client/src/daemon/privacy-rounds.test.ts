import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FlEvent } from '@fedfuse/protocol';
import type { RoundPrivacyIns } from '@fedfuse/protocol';
import { computeEpsilon } from '@fedfuse/privacy';
import { describe, expect, it } from 'vitest';

import { gatherStatus } from '../cli/status-command.ts';
import { fitIns } from '../testing/global-model.ts';
import { usePrivacyDaemonSite } from '../testing/privacy-daemon.ts';

/** A DP round 2 of a run whose round 1 was committed: clip 1e-3, z 1.1, q 0.5, δ 1e-5. */
const DP_ROUND: RoundPrivacyIns = {
  secureAggregation: false,
  selectedSites: 4,
  minSites: 3,
  dp: {
    clip: 1e-3,
    noiseMultiplier: 1.1,
    accountedNoiseMultiplier: 1.1,
    sampleRate: 0.5,
    delta: 1e-5,
    pastRounds: [{ round: 1, sampleRate: 0.5, noiseMultiplier: 1.1 }],
  },
};
const TWO_ROUNDS = computeEpsilon({
  steps: [{ sampleRate: 0.5, noiseMultiplier: 1.1, count: 2 }],
  delta: 1e-5,
}).epsilon;

const site = usePrivacyDaemonSite();

function dpIns(privacy: RoundPrivacyIns = DP_ROUND) {
  return {
    ...fitIns({ model: site.model, coordinator: site.env.coordinator.identity }),
    roundNumber: 2,
    privacy,
  };
}

describe('a differentially private round at the site', () => {
  it('clips the delta to the round clip before sealing it, says it did, and accounts ε itself', async () => {
    await site.start({ maxEpsilon: TWO_ROUNDS + 0.01 });
    const ins = dpIns();
    const { res: submitted, delta } = await site.trainRound(ins);

    const norm = Math.sqrt(delta.reduce((s, v) => s + v * v, 0));
    expect(norm).toBeLessThanOrEqual(1e-3 * (1 + 1e-5));
    expect(norm).toBeGreaterThan(0.99e-3);
    expect(submitted.privacy).toEqual({ clipped: true });
    const status = await gatherStatus(site.env.dir);
    expect(status.privacy.runs).toEqual([
      {
        runId: ins.runId,
        epsilon: expect.closeTo(TWO_ROUNDS, 9) as unknown,
        delta: 1e-5,
        rounds: 2,
        maxEpsilon: TWO_ROUNDS + 0.01,
      },
    ]);
    const ledger = JSON.parse(await readFile(join(site.env.dir, 'privacy.json'), 'utf8')) as {
      version: number;
    };
    expect(ledger.version).toBe(1);
  });

  it.each([
    [{ maxEpsilon: TWO_ROUNDS - 0.01 }, 'privacy_budget_exceeded', /past this site's maxEpsilon/],
    [
      { requireSecureAggregation: true },
      'secure_aggregation_required',
      /its run has no secureAggregation option/,
    ],
    [{ minSites: 4 }, 'too_few_sites', /as few as 3/],
  ] as const)(
    'refuses a round its policy %j forbids with %s, and trains nothing',
    async (policy, code, message) => {
      await site.start(policy);
      const acks = await site.env.coordinator.emitWithAck(FlEvent.roundStart, dpIns());
      expect(acks).toEqual([
        { ok: false, error: { code, message: expect.stringMatching(message) as unknown } },
      ]);
      expect(site.memory.entries().some((e) => e.msg === 'round started')).toBe(false);
      expect((await gatherStatus(site.env.dir)).privacy.runs).toEqual([]);
    },
  );
});
