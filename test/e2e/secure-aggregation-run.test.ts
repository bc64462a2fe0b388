import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { AuditEntry, RoundView, RunDetail } from '@fedfuse/protocol';
import { freePort, operatorRest } from '@fedfuse/coordinator/testing/operator-rest';
import { COORDINATOR_BIN } from '@fedfuse/coordinator/bin-path';
import { writeEhrOnlySite } from './ehr-only-site.ts';
import type { Started } from './processes.ts';
import { startProcess, startSiteDaemon } from './processes.ts';
import { expectAggregateIsFedAvg, expectNoSiteUpdate, readDumps } from './secure-run-checks.ts';

const TOKEN = 'e2e-secagg-run-operator-token-0123456789';
const SITES = 5;

let root: string;
let dataDir: string;
let port: number;
let record: string;
let api: ReturnType<typeof operatorRest>;
const children: ChildProcess[] = [];
const daemons: Started[] = [];
const outputs: { name: string; output: () => string }[] = [];
const dump = () => outputs.forEach((o) => console.error(`----- ${o.name}\n${o.output().slice(-3000)}`));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fedfuse-secagg-run-'));
  port = await freePort();
  api = operatorRest(port, TOKEN);
  dataDir = join(root, 'coordinator');
  record = join(root, 'inbound.jsonl');
  const coordinator = await startProcess({
    bin: COORDINATOR_BIN,
    args: ['--data', dataDir, '--port', String(port)],
    env: { FEDFUSE_TICK_MS: '100', FEDFUSE_OPERATOR_TOKEN: TOKEN, FEDFUSE_RECORD_INBOUND: record },
    ready: 'listening on',
  });
  children.push(coordinator.child);
  outputs.push({ name: 'coordinator', output: coordinator.output });
  for (let k = 0; k < SITES; k++) {
    const token = await api<{ token: string }>('POST /api/tokens', {
      label: `Cohort ${k}`,
      autoApprove: true,
    });
    const daemon = await startSiteDaemon({
      dir: join(root, `daemon-${k}`),
      name: `Cohort ${k}`,
      data: writeEhrOnlySite(join(root, `cohort-${k}`), 31 + k),
      coordinatorUrl: `http://127.0.0.1:${port}`,
      token: token.token,
      // This hospital takes part only in securely aggregated rounds.
      ...(k === 0 ? { privacyYaml: '  requireSecureAggregation: true' } : {}),
      // Test only: each daemon writes its own update of each round (plain and quantised), the scan's needles.
      env: { FEDFUSE_TEST_DUMP_SECAGG_UPDATES: dumpDir(k) },
    });
    children.push(daemon.child);
    daemons.push(daemon);
    outputs.push({ name: `daemon ${k}`, output: daemon.output });
  }
  await vi
    .waitFor(
      async () => {
        const spec = await api<{ sites: unknown[] }>('GET /api/federation/model-spec');
        if (spec.sites.length < SITES) throw new Error(`${spec.sites.length} of ${SITES} sites reported`);
      },
      { timeout: 90_000, interval: 200 },
    )
    .catch((error: unknown) => {
      dump();
      throw error;
    });
}, 180_000);

const dumpDir = (k: number) => join(root, `updates-${k}`);

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

it('a securely aggregated run across five real daemons commits its rounds, one daemon killed mid-round', async () => {
  const run = await api<{ runId: string }>('POST /api/runs', {
    name: 'secagg e2e',
    rounds: 2,
    minClients: 4,
    roundTimeoutSeconds: 30,
    model: { d: 8, ehrHidden: 16, headHidden: 8 },
    // Large enough steps that the quantised update (≈ delta · n / maxExamples · S, about delta · 15 here)
    // has many distinct values: the scan needs varied 64-byte windows to look for.
    local: { learningRate: 0.3 },
    secureAggregation: { toleratedDropouts: 1 },
  });
  await api(`POST /api/runs/${run.runId}/start`);
  // The last daemon dies once it has joined round 1 (its keys are advertised as training starts).
  await expect
    .poll(() => daemons[SITES - 1]!.output().includes('round started'), { timeout: 60_000 })
    .toBe(true);
  daemons[SITES - 1]!.child.kill('SIGKILL');
  const state = async () => (await api<RunDetail>(`GET /api/runs/${run.runId}`)).state;
  try {
    await expect.poll(state, { timeout: 200_000, interval: 250 }).toMatch(/^(completed|failed)$/);
    expect(await state()).toBe('completed');
  } catch (error) {
    dump();
    throw error;
  }
  const rounds = await api<RoundView[]>(`GET /api/runs/${run.runId}/rounds`);
  expect(rounds.map((r) => r.stage)).toEqual(['committed', 'committed']);
  // Secure rounds report like plain ones: the survivors' training loss (sent beside their masked inputs).
  for (const round of rounds) {
    expect(round.trainingLoss).toBeGreaterThan(0);
    expect(round.trainingLossTerms?.task).toBeGreaterThan(0);
  }
  // The run's privacy says its rounds are masked, without differential privacy.
  const detail = await api<RunDetail>(`GET /api/runs/${run.runId}`);
  expect(detail.privacy).toMatchObject({ secureAggregation: true, mechanism: null, epsilon: null });
  const commits = await api<AuditEntry[]>('GET /api/audit?action=round.committed&limit=10');
  expect(commits.map((e) => e.details.survivors).sort()).toEqual([4, 4]);
  // Every surviving daemon handed its delta to secure aggregation, masked, instead of uploading it.
  for (const [k, d] of daemons.entries())
    if (k < SITES - 1) expect(d.output()).toContain('delta handed to secure aggregation (masked)');

  const dumps = readDumps([...daemons.keys()].map(dumpDir));
  const committed = new Map(
    rounds.map((r) => [r.roundId, commits.find((e) => e.details.round === r.number)!.details]),
  );
  // Each survivor's own update of each round, float32 and quantised, is nowhere in what the coordinator holds.
  const survivors = dumps.filter((d) => {
    const commit = committed.get(d.roundId);
    return commit !== undefined && !String(commit.dropped).split(',').includes(d.siteId);
  });
  expect(survivors).toHaveLength(8);
  expectNoSiteUpdate({ dumps: survivors, record, dataDir });
  // The committed model is plain FedAvg of exactly those updates, within the quantisation bound.
  for (const round of rounds.filter((r) => r.number > 1))
    await expectAggregateIsFedAvg({
      weightsOf: async (n) => {
        const url = `http://127.0.0.1:${port}/api/runs/${run.runId}/checkpoints/${n}/weights.bin`;
        const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(response.status).toBe(200);
        return new Float32Array(await response.arrayBuffer());
      },
      round: round.number,
      dumps: survivors.filter((d) => d.roundId === round.roundId),
      errorBound: committed.get(round.roundId)!.errorBound as number,
    });
}, 300_000);
