import { Identity } from '@fedfuse/crypto';
import type { SecAggLayout, SecAggRound, SiteUpdate } from '@fedfuse/secagg';
import { SecAggSite, planSecAgg } from '@fedfuse/secagg';
import { RunningFedAvg } from '@fedfuse/strategy';
import { describe, expect, it } from 'vitest';

import type { SecAggStage } from '@fedfuse/protocol';

import type { SecAggOutbound } from './secagg-round-driver.ts';
import { SecAggRoundDriver } from './secagg-round-driver.ts';

const LENGTH = 24;
const LAYOUT: SecAggLayout = {
  length: LENGTH,
  groups: [{ name: 'all', ranges: [{ offset: 0, length: LENGTH }] }],
};
const STAGE_MS = {
  advertise: 1000,
  'share-keys': 1000,
  'masked-input': 5000,
  consistency: 1000,
  unmask: 1000,
};

function update(k: number): SiteUpdate {
  return {
    weights: Float32Array.from({ length: LENGTH }, (_, i) => Math.sin(k * 3.1 + i * 0.7) * (1 + k / 4)),
    numExamples: 200 + 31 * k,
  };
}

/** Five real sites and a driver on a clock the test moves; outbound messages queue per site. */
function federation(sites = 5) {
  const identities = Array.from({ length: sites }, (_, i) =>
    Identity.generate({ role: 'site', id: `site-${i}` }),
  );
  const round: SecAggRound = {
    runId: 'run-1',
    roundId: 'round-1',
    modelHash: 'cd'.repeat(32),
    // maxExamples near the largest site's count keeps the quantisation bound tight (docs/secure-aggregation.md).
    plan: planSecAgg({
      sites,
      toleratedDropouts: 1,
      toleratedColluders: 0,
      graph: 'complete',
      maxExamples: 512,
    }),
    layout: { ...LAYOUT, length: LAYOUT.length },
    roster: new Map(identities.map((id) => [id.id, id.signingPublicKey])),
  };
  const clock = { ms: 0 };
  const inbox: SecAggOutbound[] = [];
  const driver = new SecAggRoundDriver({
    round,
    now: () => clock.ms,
    stageMs: STAGE_MS,
    send: (m) => inbox.push(m),
  });
  const peers = identities.map((identity) => new SecAggSite({ round, identity }));
  const take = (stage: SecAggStage) => inbox.splice(0).filter((m) => m.request.stage === stage);
  return { round, clock, driver, peers, take };
}

function plainFedAvg(ups: readonly SiteUpdate[]): Float32Array {
  const sum = new RunningFedAvg(LENGTH, [{ name: 'all', offset: 0, length: LENGTH, group: 'all' }]);
  for (const u of ups) sum.add({ weights: u.weights, numExamples: u.numExamples });
  return sum.mean();
}

describe(SecAggRoundDriver.name, () => {
  it("commits the survivors' aggregate when a site drops after sharing keys, equal to plain FedAvg within the bound", async () => {
    const { clock, driver, peers, take } = federation();
    const send = (site: SecAggSite, stage: SecAggStage, raw: unknown) =>
      driver.receive({ siteId: site.id, stage, raw });
    for (const site of peers) expect(await send(site, 'advertise', site.advertise())).toEqual({ ok: true });
    for (const m of take('share-keys')) {
      const site = peers.find((p) => p.id === m.siteId)!;
      expect(await send(site, 'share-keys', await site.shareKeys(m.request.message))).toEqual({ ok: true });
    }
    const dropped = peers[2]!;
    const forwarded = take('masked-input');
    expect(forwarded).toHaveLength(5);
    for (const m of forwarded) {
      if (m.siteId === dropped.id) continue;
      const k = peers.findIndex((p) => p.id === m.siteId);
      expect(
        await send(peers[k]!, 'masked-input', peers[k]!.maskInput(m.request.message, update(k))),
      ).toEqual({
        ok: true,
      });
    }
    expect(driver.openStage).toBe('masked-input'); // still waiting for the silent site
    clock.ms += STAGE_MS['masked-input'];
    await driver.tick();
    for (const m of take('consistency')) {
      const site = peers.find((p) => p.id === m.siteId)!;
      await send(site, 'consistency', site.signSurvivors(m.request.message));
    }
    for (const m of take('unmask')) {
      const site = peers.find((p) => p.id === m.siteId)!;
      await send(site, 'unmask', site.unmask(m.request.message));
    }
    const outcome = await driver.outcome;
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.aggregate.dropped).toEqual([dropped.id]);
    const expected = plainFedAvg([0, 1, 3, 4].map(update));
    const bound = outcome.aggregate.errorBound.all!;
    expect(bound).toBeLessThan(1e-3);
    for (let i = 0; i < LENGTH; i++)
      expect(Math.abs(outcome.aggregate.mean[i]! - expected[i]!)).toBeLessThanOrEqual(bound + 1e-6);
  });

  it("refuses a message carrying another site's id, or for a stage that is not open, and changes nothing", async () => {
    const { driver, peers } = federation();
    const [a, b] = [peers[0]!, peers[1]!];
    const [adA, adB] = [a.advertise(), b.advertise()];
    expect(await driver.receive({ siteId: a.id, stage: 'advertise', raw: adB })).toMatchObject({
      ok: false,
      code: 'unknown_site',
      message: `a advertise message for ${b.id} arrived on ${a.id}'s connection`,
    });
    expect(await driver.receive({ siteId: a.id, stage: 'unmask', raw: adA })).toMatchObject({
      ok: false,
      code: 'wrong_stage',
    });
    expect(await driver.receive({ siteId: a.id, stage: 'advertise', raw: { siteId: a.id } })).toMatchObject({
      ok: false,
      code: 'invalid_payload',
    });
    // Each refusal left the stage as it was: both sites' own advertisements are still accepted.
    expect(await driver.receive({ siteId: a.id, stage: 'advertise', raw: adA })).toEqual({ ok: true });
    expect(await driver.receive({ siteId: b.id, stage: 'advertise', raw: adB })).toEqual({ ok: true });
    expect(driver.openStage).toBe('advertise');
  });

  it('aborts at the deadline when fewer sites than the threshold answered, and sends nothing more', async () => {
    const { clock, driver, peers, take } = federation();
    for (const site of peers.slice(0, 3))
      await driver.receive({ siteId: site.id, stage: 'advertise', raw: site.advertise() });
    clock.ms += STAGE_MS.advertise - 1;
    await driver.tick();
    expect(driver.openStage).toBe('advertise');
    clock.ms += 1;
    await driver.tick();
    expect(await driver.outcome).toMatchObject({ ok: false, code: 'below_threshold' });
    expect(take('share-keys')).toEqual([]);
    expect(driver.openStage).toBeUndefined();
  });
});
