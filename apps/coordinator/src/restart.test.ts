import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
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
  const child = spawn(
    process.execPath,
    [BIN, '--data', options.dataDir, '--port', String(options.port), '--operator-token', TOKEN],
    {
      env: { ...process.env, FEDFUSE_TICK_MS: '100', FEDFUSE_CRASH_AT: options.crashAt ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
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
    await site.connect();
    await site.enroll(token.token);
    site.close();
    site.autoTrain = { delta: (g) => g.map((w) => -w / 4 + (k + 1) / 16), numExamples };
    site.keepAlive();
  }
}

async function runToCompletion(options: {
  crashAt?: `${CrashPoint}:${number}`;
}): Promise<{ finalHash: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fedfuse-restart-'));
  const port = await freePort();
  const first = await spawnCoordinator({ dataDir, port, crashAt: options.crashAt });
  await federation(port);
  const run = await api<{ runId: string }>(port, 'POST /api/runs', {
    name: 'oracle',
    rounds: 3,
    minClients: 3,
    model: tinyModel,
    roundTimeoutSeconds: 120,
  });
  await api(port, `POST /api/runs/${run.runId}/start`);
  if (options.crashAt) {
    const code = await new Promise<number | null>((resolve) =>
      first.once('exit', (c, signal) => resolve(signal === 'SIGKILL' ? 137 : c)),
    );
    expect(code).toBe(137);
    await spawnCoordinator({ dataDir, port });
  }
  await waitFor(
    async () =>
      (await api<{ state: string }>(port, `GET /api/runs/${run.runId}`)).state === 'completed'
        ? true
        : undefined,
    60_000,
  );
  const checkpoints = await api<{ round: number; sha256: string }[]>(
    port,
    `GET /api/runs/${run.runId}/checkpoints`,
  );
  expect(checkpoints.map((c) => c.round)).toEqual([1, 2, 3]);
  return { finalHash: checkpoints[2]!.sha256, dataDir };
}

function contributions(dataDir: string): { perSiteRound: number[]; perRound: number[] } {
  const db = new SQLite(join(dataDir, 'coordinator.sqlite'), { readonly: true });
  try {
    const perSiteRound = db
      .prepare("select count(*) n from updates where stage = 'fit' group by round_id, site_id")
      .all() as { n: number }[];
    const perRound = db
      .prepare(
        "select count(u.id) n from rounds r left join updates u on u.round_id = r.id and u.stage = 'fit' where r.phase = 'done' group by r.id order by r.number",
      )
      .all() as { n: number }[];
    return { perSiteRound: perSiteRound.map((r) => r.n), perRound: perRound.map((r) => r.n) };
  } finally {
    db.close();
  }
}

describe('a coordinator killed mid-run and restarted', () => {
  it('ends with global weights bit-for-bit equal to an uninterrupted run, one contribution per site per round', async () => {
    const baseline = await runToCompletion({});
    expect(contributions(baseline.dataDir)).toEqual({
      perSiteRound: new Array(9).fill(1),
      perRound: [3, 3, 3],
    });
    for (const point of ['selection', 'training', 'collection', 'aggregation', 'commit'] as const) {
      sites.splice(0).forEach((s) => s.close());
      const crashed = await runToCompletion({ crashAt: `${point}:2` });
      expect({ point, hash: crashed.finalHash }).toEqual({ point, hash: baseline.finalHash });
      expect(contributions(crashed.dataDir)).toEqual({
        perSiteRound: new Array(9).fill(1),
        perRound: [3, 3, 3],
      });
      expect(readFileSync(join(crashed.dataDir, 'coordinator.key')).length).toBeGreaterThan(0);
    }
  }, 240_000);
});
