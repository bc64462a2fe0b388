import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { AuditEntry, FitIns, RoundView, RunDetail } from '@fedfuse/protocol';
import { MAX_MESSAGE_BYTES } from '@fedfuse/protocol';
import type { Harness } from './testing/harness.ts';
import { startHarness, tinyModel, waitFor } from './testing/harness.ts';
import { enrolledSite } from './testing/enrolled-site.ts';
import { secureRunWithDropout } from './testing/secure-run-with-dropout.ts';
import { takePartSecurely } from './testing/secagg-take-part.ts';
import type { TestSite } from './testing/test-site.ts';

const TIMEOUT_S = 60;
let harness: Harness | undefined;
const sites: TestSite[] = [];
afterEach(async () => {
  sites.splice(0).forEach((s) => s.close());
  maskedAccepted.length = 0;
  await harness?.close();
});

/** Site k's delta in every round: small, inside the ±clip the sites quantise within. */
const deltaOf = (k: number, length: number) =>
  Float32Array.from({ length }, (_, i) => Math.sin(k * 1.7 + i * 0.3) * 0.5);
const examplesOf = (k: number) => 100 + 40 * k;
/** Site k's final training loss, reported beside its masked input. */
const lossOf = (k: number) => 0.3 + 0.1 * k;
/** Round ids of every masked input the coordinator accepted, one entry per site. */
const maskedAccepted: string[] = [];

/** Site k takes part in secure rounds; `dropAtMasking` closes its socket once keys are shared. */
function takePart(site: TestSite, k: number, dropAtMasking = false): void {
  takePartSecurely(site, {
    update: ({ round }) =>
      Promise.resolve({ weights: deltaOf(k, round.layout.length), numExamples: examplesOf(k) }),
    fit: { numExamples: examplesOf(k), metrics: { loss: lossOf(k) }, lossPerEpoch: [0.9, lossOf(k)] },
    dropAtMasking,
    onAck: ({ roundId, stage, ack }) => {
      if (ack.ok && stage === 'masked-input') maskedAccepted.push(roundId);
    },
  });
}

it("commits securely aggregated rounds; a site dropping after key sharing leaves the survivors' FedAvg", async () => {
  const { h, runId, detail } = await secureRunWithDropout({
    sites,
    onHarness: (started) => (harness = started),
    takePart,
    maskedAccepted: () => maskedAccepted.length,
    settings: { model: tinyModel },
  });
  expect(detail.state).toBe('completed');

  // The sites were told the plan; no FitRes (so no site's own delta) reached the coordinator.
  // Rounds by number (a reconnect may repeat an instruction).
  const byNumber = new Map(sites[0]!.received.map((ins) => [ins.roundNumber, ins]));
  const first = byNumber.get(1)!;
  const second = byNumber.get(2)!;
  expect(first.privacy).toMatchObject({ secureAggregation: true, secAgg: { threshold: 4 } });
  expect(first.privacy!.secAgg!.roster).toHaveLength(5);
  expect(second.privacy!.secAgg!.roster).toHaveLength(4);
  const rounds = (await h.api<RoundView[]>('GET', `/api/runs/${runId}/rounds`)).body;
  expect(rounds.map((r) => r.stage)).toEqual(['committed', 'committed']);
  // Each round's training loss pools the survivors' reports as a plain round pools FitRes (E never sent one).
  const survivorsExamples = [0, 1, 2, 3].reduce((s, k) => s + examplesOf(k), 0);
  const survivorsLoss = [0, 1, 2, 3].reduce((s, k) => s + lossOf(k) * examplesOf(k), 0) / survivorsExamples;
  expect(rounds.map((r) => r.trainingLoss)).toEqual([
    expect.closeTo(survivorsLoss, 12),
    expect.closeTo(survivorsLoss, 12),
  ]);

  const audit = (await h.api<AuditEntry[]>('GET', '/api/audit?action=round.committed&limit=10')).body;
  const firstCommit = audit.find((e) => e.details.round === 1)!.details;
  expect(firstCommit).toMatchObject({ survivors: 4, dropped: sites[4]!.siteId });
  expect(audit.find((e) => e.details.round === 2)!.details).toMatchObject({ survivors: 4, dropped: '' });

  // Round 1's model = global + the survivors' plain FedAvg delta, within the quantisation bound.
  const before = await sites[0]!.fetchWeights(first);
  const after = await sites[0]!.fetchWeights(second);
  const total = [0, 1, 2, 3].reduce((s, k) => s + examplesOf(k), 0);
  const bound = firstCommit.errorBound as number;
  expect(bound).toBeGreaterThan(0);
  const deltas = [0, 1, 2, 3].map((k) => deltaOf(k, before.length));
  let worst = 0;
  for (let i = 0; i < before.length; i++) {
    const mean = deltas.reduce((s, delta, k) => s + delta[i]! * examplesOf(k), 0) / total;
    worst = Math.max(worst, Math.abs(after[i]! - (before[i]! + mean)));
  }
  expect(worst).toBeLessThanOrEqual(bound + 1e-5);
  expect(after.some((w, i) => w !== before[i])).toBe(true);
});

it('cancels a secure round open at a restart (its masks are gone), redoes it as a new round, and refuses plain deltas', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fedfuse-secagg-'));
  let h = (harness = await startHarness({ dataDir }));
  // These sites never answer the protocol: the round stays open until the coordinator restarts.
  for (const name of ['A', 'B', 'C']) await enrolledSite(h, name, sites);
  const run = await h.api<{ runId: string }>('POST', '/api/runs', {
    name: 'secure',
    rounds: 1,
    minClients: 3,
    model: tinyModel,
    secureAggregation: { toleratedDropouts: 0 },
  });
  expect(run.status).toBe(201);
  await h.api('POST', `/api/runs/${run.body.runId}/start`);
  await expect.poll(() => sites[0]!.received.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  const ins = sites[0]!.received[0]!;
  // A resync may send the instruction again, never another round.
  expect(sites[0]!.received.every((r) => r.roundId === ins.roundId)).toBe(true);

  // A plain delta in a secure run is refused before it is opened, and nothing is stored.
  const plain = await sites[0]!.train(ins, {
    delta: (g) => new Float32Array(g.length).fill(0.01),
    numExamples: 10,
  });
  expect(plain).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  expect(!plain.ok && plain.error.message).toContain('securely aggregated: a plain delta is refused');

  sites.splice(0).forEach((s) => s.close());
  await h.close();
  h = harness = await startHarness({ dataDir });
  for (const name of ['D', 'E', 'F']) await enrolledSite(h, name, sites);
  sites.forEach((site, k) => takePart(site, k));
  const detail = await waitFor(async () => {
    const got = await h.api<RunDetail>('GET', `/api/runs/${run.body.runId}`);
    return got.body.state === 'completed' || got.body.state === 'failed' ? got.body : undefined;
  }, 30_000);
  expect(detail.state).toBe('completed');
  const rounds = (await h.api<RoundView[]>('GET', `/api/runs/${run.body.runId}/rounds`)).body;
  expect(rounds.map((r) => [r.number, r.stage])).toEqual([
    [1, 'cancelled'],
    [1, 'committed'],
  ]);
  expect(rounds[0]!.roundId).toBe(ins.roundId);
  expect(rounds[1]!.roundId).not.toBe(ins.roundId);
  expect(rounds[0]!.failure).toContain('the coordinator restarted during the round');
  expect(rounds[1]!.sites.sort()).toEqual(sites.map((s) => s.siteId).sort());
});

it('commits a secure round of a model whose masked input exceeds one socket message (sent as a chunked transfer)', async () => {
  const h = (harness = await startHarness());
  for (const name of ['A', 'B', 'C', 'D']) await enrolledSite(h, name, sites);
  sites.forEach((site, k) => takePart(site, k));
  const run = await h.api<{ runId: string }>('POST', '/api/runs', {
    name: 'secure-large',
    rounds: 1,
    minClients: 4,
    roundTimeoutSeconds: TIMEOUT_S,
    model: { ...tinyModel, genomicsDim: 80_000 },
    secureAggregation: { toleratedDropouts: 1 },
  });
  expect(run.status).toBe(201);
  await h.api('POST', `/api/runs/${run.body.runId}/start`);
  const detail = await waitFor(async () => {
    const got = await h.api<RunDetail>('GET', `/api/runs/${run.body.runId}`);
    return got.body.state === 'completed' || got.body.state === 'failed' ? got.body : undefined;
  }, 60_000);
  expect(detail.state).toBe('completed');

  const ins = sites[0]!.received[0] as FitIns;
  const { layout } = ins.privacy!.secAgg!;
  expect(4 * (layout.length + layout.groups.length)).toBeGreaterThan(MAX_MESSAGE_BYTES);
  const audit = (await h.api<AuditEntry[]>('GET', '/api/audit?action=round.committed&limit=10')).body;
  expect(audit.find((e) => e.details.round === 1)!.details).toMatchObject({ survivors: 4, dropped: '' });
});
