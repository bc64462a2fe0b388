import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FitIns } from '@fedfuse/protocol';
import { FlEvent } from '@fedfuse/protocol';
import type { Clock } from './services/clock.ts';
import type { Harness } from './testing/harness.ts';
import { startHarness, tinyModel } from './testing/harness.ts';
import { OpsListener } from './testing/ops-listener.ts';
import { enrolledSite as enrolledSiteIn } from './testing/enrolled-site.ts';
import type { TestSite } from './testing/test-site.ts';

let harness: Harness | undefined;
let ops: OpsListener | undefined;
const sites: TestSite[] = [];
afterEach(async () => {
  vi.useRealTimers();
  sites.splice(0).forEach((s) => s.close());
  ops?.close();
  ops = undefined;
  await harness?.close();
  harness = undefined;
});

async function start() {
  harness = await startHarness();
  ops = await OpsListener.connect(harness.coordinator.url, harness.coordinator.operatorToken);
  return { h: harness, ops };
}

const enrolledSite = (h: Harness, name: string) => enrolledSiteIn(h, name, sites);

const RESYNC = { runId: null, roundId: null };
type SiteRow = { siteId: string; lastSeenAt: number; roundsJoined: number; updatesRejected: number };
const siteRow = async (h: Harness, siteId: string) =>
  (await h.api<SiteRow[]>('GET', '/api/sites')).body.find((s) => s.siteId === siteId)!;

describe('live /ops updates from a real coordinator', () => {
  it('broadcasts a run with its tasks when created, started, at each commit and when completed; stores the training loss', async () => {
    const { h, ops } = await start();
    const a = await enrolledSite(h, 'A');
    const b = await enrolledSite(h, 'B');
    // Final-epoch losses 0.4 (30 examples) and 0.8 (10): the example-weighted mean is 0.5.
    // Their task losses 0.2 and 0.6 pool to 0.3 the same way; the L2 terms to 0.175.
    const terms = (task: number, l2: number) => ({
      task,
      auxiliary: 0.1,
      alignment: 0,
      reconstruction: 0,
      l2,
      proximal: 0,
    });
    a.autoTrain = {
      delta: (g) => g.map(() => 0),
      numExamples: 30,
      lossPerEpoch: [0.9, 0.4],
      lossTerms: terms(0.2, 0.1),
    };
    b.autoTrain = {
      delta: (g) => g.map(() => 0),
      numExamples: 10,
      lossPerEpoch: [0.8],
      lossTerms: terms(0.6, 0.4),
    };
    const run = await h.api<{ runId: string }>('POST', '/api/runs', {
      name: 'live',
      rounds: 2,
      minClients: 2,
      model: tinyModel,
    });
    const runId = run.body.runId;
    const created = await ops.next('run:updated', (r) => r.runId === runId);
    expect(created).toMatchObject({ state: 'scheduled', tasks: ['cancer', 'cardiac'], roundsCompleted: 0 });
    await h.api('POST', `/api/runs/${runId}/start`);
    await ops.next('run:updated', (r) => r.runId === runId && r.state === 'completed');

    const updates = ops.all('run:updated').filter((r) => r.runId === runId);
    expect(updates.map((r) => [r.state, r.roundsCompleted])).toEqual([
      ['scheduled', 0],
      ['running', 0],
      ['running', 1],
      ['running', 2],
      ['completed', 2],
    ]);
    const rounds = await h.api<
      { number: number; trainingLoss: number | null; trainingLossTerms: Record<string, number> | null }[]
    >('GET', `/api/runs/${runId}/rounds`);
    expect(rounds.body.map((r) => r.number)).toEqual([1, 2]);
    for (const round of rounds.body) {
      expect(round.trainingLoss).toBeCloseTo(0.5, 6);
      expect(round.trainingLossTerms!.task).toBeCloseTo(0.3, 6);
      expect(round.trainingLossTerms!.l2).toBeCloseTo(0.175, 6);
      expect(round.trainingLossTerms!.auxiliary).toBeCloseTo(0.1, 6);
    }
    const fit = ops.all('metrics:recorded').filter((m) => m.stage === 'fit');
    expect(fit.map((m) => m.metrics.loss)).toEqual([
      rounds.body[0]!.trainingLoss,
      rounds.body[1]!.trainingLoss,
    ]);
    // Each commit told the dashboards that both contributors joined one more round.
    const joined = ops
      .all('site:updated')
      .filter((s) => s.siteId === a.siteId)
      .map((s) => s.roundsJoined);
    expect(joined).toContain(1);
    expect(joined.at(-1)).toBe(2);
    expect(
      (await h.api<{ runs: { runId: string; tasks: string[] }[] }>('GET', '/api/federation')).body.runs,
    ).toEqual([expect.objectContaining({ runId, tasks: ['cancer', 'cardiac'] })]);
    expect(ops.invalid).toEqual([]);
  });

  it('broadcasts every operator action on a run, a run that fails, and nothing for a refused request', async () => {
    const { h, ops } = await start();
    const refused = await h.api('POST', '/api/runs', { name: 'bad', rounds: 0, model: tinyModel });
    expect(refused.status).toBe(400);
    const run = await h.api<{ runId: string }>('POST', '/api/runs', {
      name: 'controlled',
      rounds: 1,
      minClients: 1,
      model: tinyModel,
    });
    const runId = run.body.runId;
    for (const action of ['start', 'pause', 'resume', 'stop'])
      expect((await h.api('POST', `/api/runs/${runId}/${action}`)).status).toBe(200);
    // An action the run's state does not allow is a conflict with that state, named in the answer.
    const illegal = await h.api<{ code: string; message: string }>('POST', `/api/runs/${runId}/resume`);
    expect(illegal).toMatchObject({
      status: 409,
      body: { code: 'wrong_stage', message: 'cannot resume a run that is stopped' },
    });
    await ops.next('run:updated', (r) => r.state === 'stopped');
    expect(ops.all('run:updated').map((r) => [r.name, r.state])).toEqual([
      ['controlled', 'scheduled'],
      ['controlled', 'running'],
      ['controlled', 'paused'],
      ['controlled', 'running'],
      ['controlled', 'stopped'],
    ]);

    // A site that never answers: three attempts miss their 1 s deadline and the run fails.
    await enrolledSite(h, 'Silent');
    const doomed = await h.api<{ runId: string }>('POST', '/api/runs', {
      name: 'doomed',
      rounds: 1,
      minClients: 1,
      roundTimeoutSeconds: 1,
      model: tinyModel,
    });
    await h.api('POST', `/api/runs/${doomed.body.runId}/start`);
    const failed = await ops.next('run:updated', (r) => r.state === 'failed');
    expect(failed).toMatchObject({
      runId: doomed.body.runId,
      failure: 'round 1 failed 3 times; last: deadline passed with 0 of 1 required updates',
    });
    expect(failed.finishedAt).not.toBeNull();
    expect(ops.invalid).toEqual([]);
  }, 20_000);

  it('broadcasts a site’s rejection count with the reason when an update is refused', async () => {
    const { h, ops } = await start();
    const site = await enrolledSite(h, 'Late');
    const manifest = { dtype: 'float32' as const, tensors: [{ name: 'w', shape: [1] }], numParams: 1 };
    const stray = {
      runId: randomUUID(),
      roundId: randomUUID(),
      model: { manifest, modelHash: '0'.repeat(64) },
    };
    const refused = await site.submit(stray as unknown as FitIns, {
      delta: new Float32Array(1),
      numExamples: 1,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'wrong_round' } });

    const update = await ops.next('site:updated', (s) => s.siteId === site.siteId && s.updatesRejected === 1);
    // Its first chunk is already refused: no round is training with this site selected (W7).
    expect(update.lastRejection).toMatchObject({
      code: 'wrong_round',
      reason: 'no round is training with this site selected: nothing to upload',
    });
    expect(await siteRow(h, site.siteId!)).toMatchObject({ updatesRejected: 1, roundsJoined: 0 });
    expect(ops.invalid).toEqual([]);
  });

  it('moves last seen with every accepted message, writing all sites at once on the interval of the injected clock', async () => {
    const interval = 2_500;
    // Near the wall clock: the site checks the coordinator's challenge against its own.
    let now = Date.now();
    // The presence interval fires when the test says so; the round ticker keeps a real one.
    const flushes: (() => void)[] = [];
    const clock: Clock = {
      now: () => now,
      every: (ms, tick) => {
        if (ms === interval) flushes.push(tick);
        return setInterval(ms === interval ? () => undefined : tick, ms);
      },
    };
    harness = await startHarness({ lastSeenWriteMs: interval, clock });
    ops = await OpsListener.connect(harness.coordinator.url, harness.coordinator.operatorToken);
    const h = harness;
    expect(flushes).toHaveLength(1);
    const site = await enrolledSite(h, 'Busy');
    const atHandshake = (await siteRow(h, site.siteId!)).lastSeenAt;
    expect(atHandshake).toBe(now);

    // A burst: the handshake's write stands, nothing more is written or broadcast until the interval fires.
    for (let i = 1; i <= 10; i++) {
      now = atHandshake + i * 100;
      expect((await site.emit(FlEvent.statusResync, RESYNC)).ok).toBe(true);
    }
    // A refused message is no sign of life.
    now = atHandshake + interval;
    expect((await site.emit(FlEvent.statusResync, 'not an object')).ok).toBe(false);
    expect((await siteRow(h, site.siteId!)).lastSeenAt).toBe(atHandshake);
    const written = new Set(ops.all('site:updated').map((s) => s.lastSeenAt));
    expect([...written].filter((at) => at !== null)).toEqual([atHandshake]);
    // The interval writes the latest accepted message's time and broadcasts it.
    flushes[0]!();
    const moved = await ops.next('site:updated', (s) => s.lastSeenAt === atHandshake + 1_000);
    expect(moved.connected).toBe(true);
    expect((await siteRow(h, site.siteId!)).lastSeenAt).toBe(atHandshake + 1_000);

    // Activity not yet written is written when the site disconnects.
    now = atHandshake + interval + 5;
    expect((await site.emit(FlEvent.statusResync, RESYNC)).ok).toBe(true);
    site.close();
    const gone = await ops.next(
      'site:updated',
      (s) => !s.connected && (s.lastSeenAt ?? 0) > atHandshake + 1_000,
    );
    expect(gone.lastSeenAt).toBe(atHandshake + interval + 5);
    expect(ops.invalid).toEqual([]);
  });
});
