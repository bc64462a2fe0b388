import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { CrashPoint } from './services/crash-points.ts';
import { tinyModel, waitFor } from './testing/harness.ts';
import { freePort, operatorRest } from './testing/operator-rest.ts';
import { TestSite } from './testing/test-site.ts';

const BIN = fileURLToPath(new URL('../bin/fedfuse-coordinator.js', import.meta.url));
const TOKEN = 'restart-test-operator-token-0123';
const children: ChildProcess[] = [];
const sites: TestSite[] = [];
afterEach(() => {
  sites.splice(0).forEach((s) => s.close());
  children.splice(0).forEach((c) => c.kill('SIGKILL'));
});

/** Starts the coordinator as its own process; resolves once it listens. */
function spawnCoordinator(options: {
  dataDir: string;
  port: number;
  crashAt?: string;
}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, '--data', options.dataDir, '--port', String(options.port)], {
    env: {
      ...process.env,
      FEDFUSE_TICK_MS: '100',
      FEDFUSE_CRASH_AT: options.crashAt ?? '',
      FEDFUSE_OPERATOR_TOKEN: TOKEN,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes('listening on')) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) =>
      reject(new Error(`coordinator exited (${code}) before listening:\n${output}`)),
    );
  });
}

function api<T>(port: number, request: string, body?: unknown): Promise<T> {
  return operatorRest(port, TOKEN)<T>(request, body);
}

// Example counts 8/16/8 make every FedAvg coefficient a power of two, so sums are exact in any order.
const EXAMPLES = [8, 16, 8];

async function federation(port: number): Promise<void> {
  for (const [k, numExamples] of EXAMPLES.entries()) {
    const token = await api<{ token: string }>(port, 'POST /api/tokens', {
      label: `site ${k}`,
      autoApprove: true,
    });
    const site = new TestSite(`http://127.0.0.1:${port}`, `Hospital ${k}`);
    sites.push(site);
    await site.enroll(token.token);
    site.close();
    site.autoTrain = { delta: (g) => g.map((w) => -w / 4 + (k + 1) / 16), numExamples };
    site.keepAlive();
  }
}

/** What the data directory of a killed coordinator shows about round `round`, read after the kill. */
interface KillState {
  /** The phase the evidence points to; it must be the one the coordinator was told to die at. */
  phase: CrashPoint | 'not started' | 'past commit';
  /** sha256 of every checkpoint committed before the kill, by round, from the database and the disk. */
  committed: Record<number, { recorded: string; onDisk: string }>;
}

function killState(options: { dataDir: string; runId: string; round: number }): KillState {
  const { dataDir, runId, round } = options;
  const db = new SQLite(join(dataDir, 'coordinator.sqlite'), { readonly: true });
  try {
    const row = db
      .prepare('select id, stage, result_hash from rounds where run_id = ? and number = ? and attempt = 0')
      .get(runId, round) as { id: string; stage: string; result_hash: string | null } | undefined;
    const updates = row
      ? (
          db.prepare("select count(*) n from updates where round_id = ? and stage = 'fit'").get(row.id) as {
            n: number;
          }
        ).n
      : 0;
    const instructed = sites.some((s) => s.received.some((ins) => ins.roundNumber === round));
    const checkpointWritten = existsSync(join(dataDir, `runs/${runId}/checkpoints/round-${round}.ffwt`));
    const checkpoints = db
      .prepare('select round_number, sha256, path from checkpoints where run_id = ?')
      .all(runId) as { round_number: number; sha256: string; path: string }[];
    const committed = Object.fromEntries(
      checkpoints.map((c) => [
        c.round_number,
        { recorded: c.sha256, onDisk: sha256(readFileSync(join(dataDir, c.path))) },
      ]),
    );
    return { phase: phaseOf({ row, updates, instructed, checkpointWritten }), committed };
  } finally {
    db.close();
  }
}

function phaseOf(o: {
  row: { stage: string; result_hash: string | null } | undefined;
  updates: number;
  instructed: boolean;
  checkpointWritten: boolean;
}): KillState['phase'] {
  if (!o.row) return 'not started';
  if (o.row.stage === 'fit' && o.updates === 0) return o.instructed ? 'training' : 'selection';
  if (o.row.stage === 'fit' && o.updates < EXAMPLES.length) return 'collection';
  if (o.row.stage === 'aggregating' && o.row.result_hash === null)
    return o.checkpointWritten ? 'commit' : 'aggregation';
  return 'past commit';
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function runToCompletion(options: {
  crash?: { point: CrashPoint; round: number };
}): Promise<{ checkpoints: { round: number; sha256: string }[]; dataDir: string; atKill?: KillState }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fedfuse-restart-'));
  const port = await freePort();
  const { crash } = options;
  const first = await spawnCoordinator({
    dataDir,
    port,
    crashAt: crash && `${crash.point}:${crash.round}`,
  });
  await federation(port);
  const run = await api<{ runId: string }>(port, 'POST /api/runs', {
    name: 'oracle',
    rounds: 3,
    minClients: 3,
    model: tinyModel,
    roundTimeoutSeconds: 120,
  });
  await api(port, `POST /api/runs/${run.runId}/start`);
  let atKill: KillState | undefined;
  if (crash) {
    const code = await new Promise<number | null>((resolve) =>
      first.once('exit', (c, signal) => resolve(signal === 'SIGKILL' ? 137 : c)),
    );
    expect(code).toBe(137);
    // Read before the restart: the directory is exactly as the kill left it.
    atKill = killState({ dataDir, runId: run.runId, round: crash.round });
    await spawnCoordinator({ dataDir, port });
  }
  await waitFor(
    async () =>
      (await api<{ state: string }>(port, `GET /api/runs/${run.runId}`)).state === 'completed'
        ? true
        : undefined,
    60_000,
  );
  const listed = await api<{ round: number; sha256: string }[]>(
    port,
    `GET /api/runs/${run.runId}/checkpoints`,
  );
  const checkpoints = listed.map(({ round, sha256 }) => ({ round, sha256 }));
  expect(checkpoints.map((c) => c.round)).toEqual([1, 2, 3]);
  for (const c of checkpoints)
    expect(sha256(readFileSync(join(dataDir, `runs/${run.runId}/checkpoints/round-${c.round}.ffwt`)))).toBe(
      c.sha256,
    );
  return { checkpoints, dataDir, atKill };
}

function contributions(dataDir: string): { perSiteRound: number[]; perRound: number[] } {
  const db = new SQLite(join(dataDir, 'coordinator.sqlite'), { readonly: true });
  try {
    const perSiteRound = db
      .prepare("select count(*) n from updates where stage = 'fit' group by round_id, site_id")
      .all() as { n: number }[];
    const perRound = db
      .prepare(
        "select count(u.id) n from rounds r left join updates u on u.round_id = r.id and u.stage = 'fit' where r.stage = 'committed' group by r.id order by r.number",
      )
      .all() as { n: number }[];
    return { perSiteRound: perSiteRound.map((r) => r.n), perRound: perRound.map((r) => r.n) };
  } finally {
    db.close();
  }
}

describe('a coordinator killed mid-run and restarted', () => {
  it('ends with global weights bit-for-bit equal to an uninterrupted run, one contribution per site per round, committed rounds untouched', async () => {
    const baseline = await runToCompletion({});
    expect(contributions(baseline.dataDir)).toEqual({
      perSiteRound: new Array(9).fill(1),
      perRound: [3, 3, 3],
    });
    for (const point of ['selection', 'training', 'collection', 'aggregation', 'commit'] as const) {
      sites.splice(0).forEach((s) => s.close());
      const crashed = await runToCompletion({ crash: { point, round: 2 } });
      const atKill = crashed.atKill!;
      // The kill landed where it was aimed, with round 1 (and only it) committed.
      expect({ point, phase: atKill.phase }).toEqual({ point, phase: point });
      expect(Object.keys(atKill.committed)).toEqual(['1']);
      for (const [round, hashes] of Object.entries(atKill.committed)) {
        expect(hashes.onDisk).toBe(hashes.recorded);
        expect(crashed.checkpoints.find((c) => c.round === Number(round))?.sha256).toBe(hashes.recorded);
      }
      expect({ point, checkpoints: crashed.checkpoints }).toEqual({
        point,
        checkpoints: baseline.checkpoints,
      });
      expect(contributions(crashed.dataDir)).toEqual({
        perSiteRound: new Array(9).fill(1),
        perRound: [3, 3, 3],
      });
      expect(readFileSync(join(crashed.dataDir, 'coordinator.key')).length).toBeGreaterThan(0);
    }
  }, 300_000);
});
