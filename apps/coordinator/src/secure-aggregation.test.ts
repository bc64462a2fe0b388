import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import type { Ack, SecAggRequest, SecAggStage, TransferRef } from '@fedfuse/protocol';
import { FlEvent, chunkTransfer } from '@fedfuse/protocol';
import type { SecAggRound, SiteUpdate } from '@fedfuse/secagg';
import { SecAggSite, planSecAgg } from '@fedfuse/secagg';
import { RunningFedAvg } from '@fedfuse/strategy';
import { SecAggRoundsService } from './services/secagg-rounds.service.ts';
import type { Clock } from './services/clock.ts';
import type { Harness } from './testing/harness.ts';
import { startHarness, tinyModel } from './testing/harness.ts';
import { enrolledSite } from './testing/enrolled-site.ts';
import { answerSecAggRequest, submitSecAgg } from './testing/secagg-submit.ts';
import type { TestSite } from './testing/test-site.ts';

const LENGTH = 16;
const STAGE_MS = {
  advertise: 60_000,
  'share-keys': 60_000,
  'masked-input': 60_000,
  consistency: 60_000,
  unmask: 60_000,
};
let harness: Harness | undefined;
const sites: TestSite[] = [];
afterEach(async () => {
  answered.splice(0);
  sites.splice(0).forEach((s) => s.close());
  await harness?.close();
});

function update(k: number): SiteUpdate {
  return {
    weights: Float32Array.from({ length: LENGTH }, (_, i) => Math.cos(k + i * 0.3) * 2),
    numExamples: 100 + 50 * k,
  };
}

/** Every answer a site sent and the coordinator's acknowledgement of it. */
const answered: { siteId: string; stage: string; ack: Ack<unknown> }[] = [];

/** A site answering every `secagg:request` with its SecAggSite over its real socket, unless it has dropped. */
function answerRequests(args: {
  site: TestSite;
  peer: SecAggSite;
  own: SiteUpdate;
  dropAt?: SecAggStage;
}): void {
  const { site, peer, own, dropAt } = args;
  site.socket!.on(FlEvent.secaggRequest, (envelope: SecAggRequest) => {
    if (envelope.stage === dropAt) return site.close();
    void answerSecAggRequest(peer, envelope, own)
      .then((message) => submitSecAgg(site, { roundId: envelope.roundId, stage: envelope.stage, message }))
      .then(
        (ack) => answered.push({ siteId: site.siteId!, stage: envelope.stage, ack }),
        (error: Error) =>
          answered.push({
            siteId: site.siteId!,
            stage: envelope.stage,
            ack: { ok: false, error: { code: 'internal', message: error.message } },
          }),
      );
  });
}

const acceptedAt = (stage: string) => answered.filter((a) => a.stage === stage && a.ack.ok).length;

it("drives a secure-aggregation round over real sockets: a site dropping after key sharing leaves the survivors' FedAvg", async () => {
  let now = Date.UTC(2030, 0, 1);
  const clock: Clock = { now: () => now, every: (ms, tick) => setInterval(tick, ms) };
  const h = (harness = await startHarness({ clock }));
  for (const name of ['A', 'B', 'C', 'D']) await enrolledSite(h, name, sites);
  const round: SecAggRound = {
    runId: randomUUID(),
    roundId: randomUUID(),
    modelHash: 'ef'.repeat(32),
    plan: planSecAgg({
      sites: 4,
      toleratedDropouts: 1,
      toleratedColluders: 0,
      graph: 'complete',
      maxExamples: 512,
    }),
    layout: { length: LENGTH, groups: [{ name: 'all', ranges: [{ offset: 0, length: LENGTH }] }] },
    roster: new Map(sites.map((s) => [s.siteId!, s.identity.signingPublicKey])),
  };
  const service = h.coordinator.app.get(SecAggRoundsService);
  const outcome = service.start({ round, stageMs: STAGE_MS });
  const peers = sites.map((s) => new SecAggSite({ round, identity: s.identityAs(s.siteId!) }));
  sites.forEach((site, k) =>
    answerRequests({ site, peer: peers[k]!, own: update(k), dropAt: k === 3 ? 'masked-input' : undefined }),
  );

  // A message naming another site is refused on this connection, and changes nothing.
  const [a, b] = [peers[0]!.advertise(), peers[1]!.advertise()];
  const forged = await sites[0]!.emit(FlEvent.secaggSubmit, {
    roundId: round.roundId,
    stage: 'advertise',
    message: b,
  });
  expect(forged).toMatchObject({ ok: false, error: { code: 'unknown_site' } });
  const adverts = [a, b, peers[2]!.advertise(), peers[3]!.advertise()];
  for (const [k, message] of adverts.entries())
    expect(
      await sites[k]!.emit(FlEvent.secaggSubmit, { roundId: round.roundId, stage: 'advertise', message }),
    ).toEqual<Ack>({
      ok: true,
      data: undefined,
    });

  // D went silent after sharing keys: the masked-input stage closes at its deadline on the injected clock.
  await expect.poll(() => sites[3]!.socket?.connected, { timeout: 20_000 }).toBe(false);
  await expect.poll(() => acceptedAt('masked-input'), { timeout: 20_000 }).toBe(3);
  // The coordinator's own ticker closes the stage once the injected clock passes its deadline.
  now += STAGE_MS['masked-input'];
  const result = await outcome;
  // Every survivor's answer was accepted (D's last one may have been cut off by its own disconnect).
  await expect.poll(() => acceptedAt('unmask'), { timeout: 20_000 }).toBe(3);
  expect(answered.filter((a) => !a.ack.ok && a.siteId !== sites[3]!.siteId)).toEqual([]);
  if (!result.ok) throw new Error(result.message);
  expect(result.aggregate.dropped).toEqual([sites[3]!.siteId]);
  const plain = new RunningFedAvg(LENGTH, [{ name: 'all', offset: 0, length: LENGTH, group: 'all' }]);
  for (const k of [0, 1, 2]) plain.add(update(k));
  const expected = plain.mean();
  const bound = result.aggregate.errorBound.all!;
  for (let i = 0; i < LENGTH; i++)
    expect(Math.abs(result.aggregate.mean[i]! - expected[i]!)).toBeLessThanOrEqual(bound + 1e-6);
});

it('refuses a malformed answer naming the field, and one for a round with no secure aggregation in progress', async () => {
  const h = (harness = await startHarness());
  const site = await enrolledSite(h, 'A', sites);
  const malformed = await site.emit(FlEvent.secaggSubmit, {
    roundId: randomUUID(),
    stage: 'advertise',
    message: { siteId: site.siteId },
  });
  expect(malformed).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  expect(!malformed.ok && malformed.error.message).toContain('message.runId');
  const round = threeSiteRound(site);
  const message = new SecAggSite({ round, identity: site.identityAs(site.siteId!) }).advertise();
  const answer = await site.emit(FlEvent.secaggSubmit, {
    roundId: round.roundId,
    stage: 'advertise',
    message,
  });
  expect(answer).toMatchObject({
    ok: false,
    error: { code: 'wrong_round', message: `round ${round.roundId} has no secure aggregation in progress` },
  });
});

/** A complete-graph round of `site` and two roster entries that never connect ('b', 'c'). */
function threeSiteRound(site: TestSite): SecAggRound {
  return {
    runId: randomUUID(),
    roundId: randomUUID(),
    modelHash: 'ef'.repeat(32),
    plan: planSecAgg({ sites: 3, toleratedDropouts: 0, toleratedColluders: 0, graph: 'complete' }),
    layout: { length: LENGTH, groups: [{ name: 'all', ranges: [{ offset: 0, length: LENGTH }] }] },
    roster: new Map([
      [site.siteId!, site.identity.signingPublicKey],
      ['b', new Uint8Array(32).fill(1)],
      ['c', new Uint8Array(32).fill(2)],
    ]),
  };
}

it.each([
  [{ toleratedDropouts: 2 }, 'fedavg', '5 sites per round: n = 5 − threshold 4 = 1 < 2 tolerated dropouts'],
  [{ toleratedDropouts: 1 }, 'krum', "strategy krum: it needs the sites' individual updates"],
  [{ toleratedDropouts: 1 }, 'fedavg+adaptive', 'cannot be used with privacy.dp.adaptive'],
])(
  'refuses creating a run with secureAggregation %j and %s, saying why, and stores nothing',
  async (option, named, why) => {
    const [strategy, adaptive] = named.split('+');
    const h = (harness = await startHarness());
    const created = await h.api('POST', '/api/runs', {
      name: 'secure',
      minClients: 5,
      model: tinyModel,
      strategy: { name: strategy },
      secureAggregation: option,
      ...(adaptive
        ? { privacy: { dp: { clip: 1, noiseMultiplier: 1, adaptive: { countNoiseStd: 1 } } } }
        : {}),
    });
    expect(created.status).toBe(400);
    expect(JSON.stringify(created.body)).toContain(why);
    expect((await h.api<unknown[]>('GET', '/api/runs')).body).toEqual([]);
  },
);

it('refuses a masked input naming a transfer the site never finished or another hash, and a transfer from a site outside every secure round', async () => {
  const h = (harness = await startHarness());
  const site = await enrolledSite(h, 'A', sites);
  const outsider = await enrolledSite(h, 'B', sites);
  const round = threeSiteRound(site);
  const service = h.coordinator.app.get(SecAggRoundsService);
  void service.start({ round, stageMs: STAGE_MS });
  const words = await chunkTransfer(new Uint8Array(4 * (LENGTH + 1)).fill(7), { chunkDigests: false });
  const ids = { siteId: site.siteId!, roundId: round.roundId, sessionId: 'ab'.repeat(32) };
  const submit = (transfer: TransferRef) =>
    site.emit(FlEvent.secaggSubmit, {
      roundId: round.roundId,
      stage: 'masked-input',
      message: { ...ids, transfer },
    });

  expect(await submit(words.ref)).toMatchObject({ ok: false, error: { code: 'unknown_transfer' } });
  for (const chunk of words.chunks()) expect((await site.emit(FlEvent.deltaChunk, chunk)).ok).toBe(true);
  const mismatched = await submit({ ...words.ref, sha256: 'cd'.repeat(32) });
  expect(mismatched).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  expect(!mismatched.ok && mismatched.error.message).toContain('another size or hash');
  // No round trains with B and no secure round expects it: it may not open a transfer.
  const [first] = words.chunks();
  expect(await outsider.emit(FlEvent.deltaChunk, first)).toMatchObject({
    ok: false,
    error: { code: 'wrong_round' },
  });
  service.end(round.roundId, 'test over');
});
