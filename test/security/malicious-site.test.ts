import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Identity } from '@fedfuse/crypto';
import type { EvaluateIns, EvaluateRes, FitIns, SubmitReceipt } from '@fedfuse/protocol';
import { FlEvent } from '@fedfuse/protocol';
import { TestSite } from '@fedfuse/coordinator/testing/test-site';
import { tinyModel } from '@fedfuse/coordinator/testing/harness';
import { siteSchema } from '@fedfuse/coordinator/testing/site-schemas';
import type { CoordinatorProcess } from './coordinator-process.ts';
import { OPERATOR_TOKEN, startCoordinatorProcess } from './coordinator-process.ts';

/** The tiny model the coordinator tests use, and a site schema that fits it. */
const model = tinyModel;
const schema = siteSchema({
  ehrColumns: ['a', 'b', 'a_missing', 'b_missing'],
  genes: Array.from({ length: 8 }, (_, i) => `G${i}`),
  imageShape: [8, 8, 1],
  tasks: { cancer: { train: 40, test: 10 }, cardiac: { train: 40, test: 10 } },
});

interface RoundView {
  number: number;
  stage: string;
  metrics: { tasks: Record<string, { auc: number; numExamples: number }>; sites: string[] } | null;
  rejections: { siteId: string; code: string; reason: string }[];
}
interface AuditEntry {
  action: string;
  actor: { kind: string; id: string };
  details: Record<string, unknown> | null;
}

let coordinator: CoordinatorProcess;
const sites: TestSite[] = [];
const runs: string[] = [];

beforeAll(async () => {
  // Refusals repeated within the fold window are audited once more when it closes, with their count.
  coordinator = await startCoordinatorProcess({ env: { FEDFUSE_REFUSAL_FOLD_MS: '300' } });
});
afterEach(async () => {
  for (const runId of runs.splice(0)) await coordinator.api('POST', `/api/runs/${runId}/stop`);
  for (const site of sites.splice(0)) site.close();
});
afterAll(async () => {
  await coordinator.stop();
});

async function enrolled(name: string, identity?: Identity): Promise<TestSite> {
  const token = await coordinator.api<{ token: string }>('POST', '/api/tokens', {
    body: { label: name, autoApprove: true },
  });
  const site = new TestSite(coordinator.url, name);
  if (identity) Object.assign(site, { identity });
  sites.push(site);
  expect(await site.enroll(token.body.token)).toMatchObject({ ok: true });
  expect((await site.handshake()).ok).toBe(true);
  expect((await site.report(schema)).ok).toBe(true);
  return site;
}

async function startRun(config: Record<string, unknown>): Promise<string> {
  const run = await coordinator.api<{ runId: string }>('POST', '/api/runs', {
    body: { name: `run-${randomBytes(4).toString('hex')}`, model, histogramBins: 10, ...config },
  });
  expect(run.status).toBe(201);
  runs.push(run.body.runId);
  expect((await coordinator.api('POST', `/api/runs/${run.body.runId}/start`)).status).toBe(200);
  return run.body.runId;
}

async function roundsOf(runId: string): Promise<RoundView[]> {
  return (await coordinator.api<RoundView[]>('GET', `/api/runs/${runId}/rounds`)).body;
}

async function auditOf(actorId: string): Promise<AuditEntry[]> {
  return (await coordinator.api<AuditEntry[]>('GET', `/api/audit?actorId=${actorId}&limit=500`)).body;
}

async function firstFit(site: TestSite): Promise<FitIns> {
  await expect.poll(() => site.received.length, { timeout: 10_000 }).toBeGreaterThan(0);
  return site.received[0]!;
}

async function heldTransferBytes(): Promise<number> {
  const text = (await coordinator.api<string>('GET', '/metrics')).body;
  const line = /^fedfuse_transfer_bytes_held (\S+)$/m.exec(text);
  return line ? Number(line[1]) : Number.NaN;
}

describe('a malicious enrolled site', () => {
  it('F3: a poisoned update (every weight 1e30) is excluded by the default adaptive bound and shown to the operator', async () => {
    const honest = await Promise.all(['A', 'B', 'C'].map((n) => enrolled(`Honest ${n}`)));
    const attacker = await enrolled('Poisoner');
    honest.forEach(
      (site, k) => (site.autoTrain = { delta: (g) => g.map(() => 0.01 * (k + 1)), numExamples: 40 }),
    );
    attacker.autoTrain = { delta: (g) => g.map(() => 1e30), numExamples: 40 };
    const runId = await startRun({ rounds: 1, minClients: 4 });
    await expect.poll(async () => (await roundsOf(runId))[0]?.stage, { timeout: 15_000 }).toBe('committed');

    const [round] = await roundsOf(runId);
    expect(round!.rejections).toEqual([
      expect.objectContaining({ siteId: attacker.siteId, code: 'norm_exceeded' }),
    ]);
    const checkpoint = await fetch(`${coordinator.url}/api/runs/${runId}/checkpoints/1/weights.bin`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    const values = new Float32Array(await checkpoint.arrayBuffer());
    expect(values.length).toBeGreaterThan(0);
    expect(Math.max(...values.map(Math.abs))).toBeLessThan(100);
    const audit = await auditOf(attacker.siteId!);
    expect(audit.map((e) => e.action)).toContain('round.update_excluded');
    const rows = (
      await coordinator.api<{ siteId: string; roundsJoined: number; updatesRejected: number }[]>(
        'GET',
        '/api/sites',
      )
    ).body;
    expect(rows.find((r) => r.siteId === attacker.siteId)).toMatchObject({
      roundsJoined: 0,
      updatesRejected: 1,
    });
    expect(rows.find((r) => r.siteId === honest[0]!.siteId)).toMatchObject({
      roundsJoined: 1,
      updatesRejected: 0,
    });
  });

  it('F3: a round with only two updates is bounded by an earlier round’s median, so the poisoned one is still excluded', async () => {
    const [steady, leaving, alsoLeaving] = await Promise.all(
      ['H', 'I', 'J'].map((n) => enrolled(`Honest ${n}`)),
    );
    const attacker = await enrolled('Patient Poisoner');
    steady!.autoTrain = { delta: (g) => g.map(() => 0.01), numExamples: 40 };
    // Two honest sites train in round 1 only: round 2 closes at its deadline with the steady site and the attacker.
    for (const site of [leaving!, alsoLeaving!])
      site.autoTrain = {
        delta: (g, ins) => {
          if (ins.roundNumber > 1) throw new Error('gone quiet');
          return g.map(() => 0.02);
        },
        numExamples: 40,
      };
    attacker.autoTrain = { delta: (g) => g.map(() => 1e30), numExamples: 40 };
    const runId = await startRun({ rounds: 2, minClients: 2, roundTimeoutSeconds: 3 });
    await expect.poll(async () => (await roundsOf(runId))[1]?.stage, { timeout: 20_000 }).toBe('committed');
    const [first, second] = await roundsOf(runId);
    for (const round of [first!, second!])
      expect(round.rejections).toEqual([
        expect.objectContaining({ siteId: attacker.siteId, code: 'norm_exceeded' }),
      ]);
    expect(second!.rejections[0]!.reason).toMatch(/an earlier round's median/);
    const checkpoint = await fetch(`${coordinator.url}/api/runs/${runId}/checkpoints/2/weights.bin`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    const values = new Float32Array(await checkpoint.arrayBuffer());
    expect(Math.max(...values.map(Math.abs))).toBeLessThan(100);
  });

  it('F3: numExamples above what the site reported for its training split is refused, with the reason', async () => {
    const site = await enrolled('Inflater');
    const other = await enrolled('Other');
    other.autoTrain = { delta: (g) => g.map(() => 0), numExamples: 40 };
    await startRun({ rounds: 1, minClients: 2 });
    const ins = await firstFit(site);
    await site.fetchWeights(ins);
    const answer = await site.submit(ins, {
      delta: new Float32Array(ins.model.manifest.numParams),
      numExamples: 1e9,
    });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(!answer.ok && answer.error.message).toMatch(/numExamples 1000000000 .*40/);
  });

  it('F3: the operator can turn the default bound off, and then the scaled update is aggregated', async () => {
    const honest = await Promise.all(['D', 'E'].map((n) => enrolled(`Honest ${n}`)));
    const scaled = await enrolled('Scaled');
    honest.forEach((site) => (site.autoTrain = { delta: (g) => g.map(() => 0.01), numExamples: 40 }));
    scaled.autoTrain = { delta: (g) => g.map(() => 10), numExamples: 40 };
    const runId = await startRun({ rounds: 1, minClients: 3, updateNormBound: 'off' });
    await expect.poll(async () => (await roundsOf(runId))[0]?.stage, { timeout: 15_000 }).toBe('committed');
    // No update refused for its size; a late repeat of a re-sent instruction (wrong_round) is not one.
    const refused = (await roundsOf(runId))[0]!.rejections.filter((r) => r.code !== 'wrong_round');
    expect(refused).toEqual([]);
  });

  it('F4: an evaluation with metrics out of range, wrong bins, an extra task or too many examples is refused and audited; the honest sites stay pooled', async () => {
    const honest = await Promise.all(['F', 'G'].map((n) => enrolled(`Honest ${n}`)));
    const liar = await enrolled('Liar');
    for (const site of [...honest, liar]) site.autoTrain = { delta: (g) => g.map(() => 0), numExamples: 40 };
    liar.autoEvaluate = false;
    const runId = await startRun({ rounds: 1, minClients: 3, evaluationTimeoutSeconds: 2 });
    await expect.poll(() => liar.evaluations.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const ins = liar.evaluations[0]!;
    const forged = (changes: (res: EvaluateRes) => void): EvaluateRes => {
      const res = honestEvaluation(ins);
      changes(res);
      return res;
    };
    const attempts: [string, EvaluateRes, RegExp][] = [
      ['auc 5', forged((r) => (r.tasks.cancer!.metrics.auc = 5)), /auc.*\[0, 1\]/],
      ['f1 −3', forged((r) => (r.tasks.cancer!.metrics.f1 = -3)), /f1.*\[0, 1\]/],
      ['2 bins', forged((r) => (r.tasks.cancer = binned(2, 4, 4))), /2 bins.*10/],
      ['task evil', forged((r) => (r.tasks.evil = binned(10, 4, 4))), /evil/],
      [
        '1e6 examples',
        forged((r) => ((r.tasks.cancer = binned(10, 5e5, 5e5)), (r.numExamples = 1e6))),
        /1000000.*10/,
      ],
    ];
    for (const [, res, reason] of attempts) {
      const answer = await liar.emit<SubmitReceipt>(FlEvent.evaluateSubmit, res);
      expect(answer.ok).toBe(false);
      expect(!answer.ok && answer.error.message).toMatch(reason);
    }
    await expect.poll(async () => (await roundsOf(runId))[0]?.stage, { timeout: 15_000 }).toBe('committed');
    const [round] = await roundsOf(runId);
    expect(new Set(round!.metrics!.sites)).toEqual(new Set(honest.map((s) => s.siteId)));
    expect(round!.metrics!.tasks.cancer!.numExamples).toBe(16);
    expect(round!.metrics!.tasks.cancer!.auc).toBeCloseTo(0.875, 10);
    expect(Object.keys(round!.metrics!.tasks).sort()).toEqual(['cancer', 'cardiac']);
    // Every refusal is audited: the first at once, the repeats of its code folded into one counted entry.
    const refusalsAudited = async () =>
      (await auditOf(liar.siteId!))
        .filter((e) => e.action === 'round.evaluation_rejected')
        .reduce((sum, e) => sum + ((e.details?.count as number | undefined) ?? 1), 0);
    await expect.poll(refusalsAudited, { timeout: 10_000 }).toBe(attempts.length);
  });

  it('W3: a second enrollment presenting an already registered box key is refused', async () => {
    const boxSecretKey = randomBytes(32);
    const owner = Identity.fromSeeds({
      role: 'site',
      id: 'owner',
      signingSeed: randomBytes(32),
      boxSecretKey,
    });
    const copier = Identity.fromSeeds({
      role: 'site',
      id: 'copier',
      signingSeed: randomBytes(32),
      boxSecretKey,
    });
    expect(copier.publicKeys().boxKey).toBe(owner.publicKeys().boxKey);
    await enrolled('Box Owner', owner);
    const token = await coordinator.api<{ token: string }>('POST', '/api/tokens', {
      body: { label: 'copier', autoApprove: true },
    });
    const site = new TestSite(coordinator.url, 'Box Copier');
    Object.assign(site, { identity: copier });
    const answer = await site.enroll(token.body.token);
    expect(answer).toMatchObject({ ok: false, error: { code: 'duplicate' } });
    expect(!answer.ok && answer.error.message).toMatch(/box key/);
    const names = (await coordinator.api<{ name: string }[]>('GET', '/api/sites')).body.map((s) => s.name);
    expect(names).not.toContain('Box Copier');
  });

  it('W7: a chunk from a site with no open round is refused and audited, and nothing is buffered', async () => {
    const site = await enrolled('Idle Uploader');
    const answer = await site.emit(FlEvent.deltaChunk, chunkOf({ index: 0, totalBytes: 4096, bytes: 1024 }));
    expect(answer).toMatchObject({ ok: false, error: { code: 'wrong_round' } });
    expect(await heldTransferBytes()).toBe(0);
    const audit = await auditOf(site.siteId!);
    expect(audit.map((e) => e.action)).toContain('round.update_rejected');
  });

  it('W7: an upload holds only what arrived, and an abandoned one is freed and audited on disconnect', async () => {
    const uploader = await enrolled('Slow Uploader');
    const other = await enrolled('Waiting');
    other.autoTrain = { delta: (g) => g.map(() => 0), numExamples: 40 };
    await startRun({ rounds: 1, minClients: 2 });
    await firstFit(uploader);
    // Announces a whole delta for the tiny model (its limit is about 1 MiB) and sends one 64 KiB chunk.
    const chunk = chunkOf({ index: 0, totalBytes: 1024 * 1024, bytes: 64 * 1024 });
    expect(await uploader.emit(FlEvent.deltaChunk, chunk)).toMatchObject({ ok: true });
    // The other site's own upload may be in flight beside it: held bytes settle at the stalled chunk.
    await expect.poll(heldTransferBytes, { timeout: 5_000 }).toBe(64 * 1024);
    uploader.close();
    await expect.poll(heldTransferBytes, { timeout: 5_000 }).toBe(0);
    await expect
      .poll(async () => (await auditOf(uploader.siteId!)).map((e) => e.action), { timeout: 5_000 })
      .toContain('transfer.abandoned');
  });

  it('W7: an upload still open when its round stops training is freed and audited', async () => {
    const uploader = await enrolled('Stalled Uploader');
    const other = await enrolled('Also Waiting');
    other.autoTrain = { delta: (g) => g.map(() => 0), numExamples: 40 };
    const runId = await startRun({ rounds: 1, minClients: 2 });
    await firstFit(uploader);
    const chunk = chunkOf({ index: 0, totalBytes: 1024 * 1024, bytes: 64 * 1024 });
    expect(await uploader.emit(FlEvent.deltaChunk, chunk)).toMatchObject({ ok: true });
    // The other site's own upload may be in flight beside it: held bytes settle at the stalled chunk.
    await expect.poll(heldTransferBytes, { timeout: 5_000 }).toBe(64 * 1024);
    // The operator stops the run: the round fails and the upload can never be submitted.
    expect((await coordinator.api('POST', `/api/runs/${runId}/stop`)).status).toBe(200);
    await expect.poll(heldTransferBytes, { timeout: 5_000 }).toBe(0);
    // The transfer is freed first, then audited: wait for the entry rather than assume it is there.
    const abandoned = async () =>
      (await auditOf(uploader.siteId!)).find((e) => e.action === 'transfer.abandoned')?.details;
    await expect
      .poll(abandoned, { timeout: 5_000 })
      .toMatchObject({ reason: 'round_closed', transfers: 1, bytes: 64 * 1024 });
    expect(uploader.socket?.connected).toBe(true);
  });
});

function chunkOf(o: { index: number; totalBytes: number; bytes: number }) {
  const chunkBytes = o.bytes;
  return {
    transferId: crypto.randomUUID(),
    totalBytes: o.totalBytes,
    chunkBytes,
    chunkCount: Math.ceil(o.totalBytes / chunkBytes),
    sha256: '0'.repeat(64),
    index: o.index,
    data: new Uint8Array(chunkBytes),
  };
}

function binned(bins: number, positives: number, negatives: number) {
  const p = new Array<number>(bins).fill(0);
  const n = new Array<number>(bins).fill(0);
  p[bins - 1] = positives;
  n[0] = negatives;
  return {
    numExamples: positives + negatives,
    metrics: { f1: 0.8 },
    histogram: { bins, positives: p, negatives: n },
  };
}

/** What TestSite answers: 8 examples per task, AUC 0.875. */
function honestEvaluation(ins: EvaluateIns): EvaluateRes {
  const bins = ins.config.bins;
  const task = () => {
    const positives = new Array<number>(bins).fill(0);
    const negatives = new Array<number>(bins).fill(0);
    positives[bins - 1] = 3;
    positives[0] = 1;
    negatives[0] = 4;
    return {
      numExamples: 8,
      metrics: { f1: 0.8, accuracy: 0.75 },
      histogram: { bins, positives, negatives },
    };
  };
  return {
    runId: ins.runId,
    roundId: ins.roundId,
    numExamples: 8,
    tasks: Object.fromEntries(ins.config.tasks.map((t) => [t, task()])),
  };
}
