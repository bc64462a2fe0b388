import { readFileSync } from 'node:fs';
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tinyModel } from '@fedfuse/coordinator/testing/harness';
import { OpsListener } from '@fedfuse/coordinator/testing/ops-listener';
import { TestSite } from '@fedfuse/coordinator/testing/test-site';
import { LocalCluster } from '@fedfuse/simulator/cluster';
import { CLIENT_BIN } from '@fedfuse/client/bin-path';
import { runProcess } from '../e2e/processes.ts';
import type { CoordinatorProcess } from './coordinator-process.ts';
import { OPERATOR_TOKEN, privateFile, startCoordinatorProcess } from './coordinator-process.ts';
import { requestFrom } from './from-address.ts';
import { modesUnder } from './file-modes.ts';

const WRONG = 'not-the-operator-token-0123456789';

describe('W1: a burst of wrong operator tokens', () => {
  let coordinator: CoordinatorProcess;
  beforeAll(async () => {
    coordinator = await startCoordinatorProcess({
      env: { FEDFUSE_OPERATOR_AUTH_LIMIT: '5', FEDFUSE_OPERATOR_AUTH_WINDOW_MS: '3000' },
    });
  });
  afterAll(() => coordinator.stop());

  const from = (localAddress: string, token: string, path = '/api/sites') =>
    requestFrom(coordinator.url, { localAddress, method: 'GET', path, token });

  it('is throttled per address (429 + Retry-After), folded into one audit entry, and leaves others alone', async () => {
    // Two wrong sign-ins on the dashboard socket and four on the REST API: six failures, limit five.
    for (let i = 0; i < 2; i++)
      await expect(OpsListener.connect(coordinator.url, WRONG)).rejects.toThrow(/wrong operator token/);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await from('127.0.0.1', WRONG)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);

    // Throttled: even the right token waits out the window there, on both doors.
    const throttled = await from('127.0.0.1', OPERATOR_TOKEN);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await expect(OpsListener.connect(coordinator.url, OPERATOR_TOKEN)).rejects.toThrow(/too many/);

    // Another address with the right token is not locked out.
    expect((await from('127.0.0.2', OPERATOR_TOKEN)).status).toBe(200);

    // One audit entry for the window, by the system, naming the address and the count.
    await expect
      .poll(
        async () => {
          const page = await from('127.0.0.2', OPERATOR_TOKEN, '/api/audit?action=operator.auth_failed');
          return page.body;
        },
        { timeout: 15_000, interval: 250 },
      )
      .toEqual([
        expect.objectContaining({
          actor: { kind: 'system', id: 'coordinator' },
          action: 'operator.auth_failed',
          outcome: 'refused',
          details: expect.objectContaining({ address: '127.0.0.1', refused: 8, throttled: 3 }) as unknown,
        }),
      ]);
    const lines = coordinator.output().split('\n');
    expect(lines.filter((l) => l.includes('operator authentication failed')).length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes('operator authentication failed')).length).toBeLessThan(8);

    // After the window the address may sign in again.
    await expect
      .poll(async () => (await from('127.0.0.1', OPERATOR_TOKEN)).status, { timeout: 15_000, interval: 250 })
      .toBe(200);
  });
});

describe('W4: control and bidi characters in free text', () => {
  let coordinator: CoordinatorProcess;
  const sites: TestSite[] = [];
  beforeAll(async () => {
    coordinator = await startCoordinatorProcess();
  });
  afterEach(() => sites.splice(0).forEach((s) => s.close()));
  afterAll(() => coordinator.stop());

  const enrollAs = async (name: string) => {
    const token = await coordinator.api<{ token: string }>('POST', '/api/tokens', {
      body: { label: 'w4', autoApprove: true },
    });
    const site = new TestSite(coordinator.url, name);
    sites.push(site);
    return site.enroll(token.body.token);
  };

  it('refuses site names with a newline or a right-to-left override, naming the field', async () => {
    for (const name of ['name\nFAKE LOG LINE', 'Hospital \u202Eevil']) {
      const result = await enrollAs(name);
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
      if (!result.ok) expect(result.error.message).toMatch(/siteName: .*control or bidirectional/);
    }
    expect((await enrollAs('Plain Hospital')).ok).toBe(true);
    const names = (await coordinator.api<{ name: string }[]>('GET', '/api/sites')).body.map((s) => s.name);
    expect(names).toEqual(['Plain Hospital']);
  });

  it('refuses token labels and run names with control characters', async () => {
    const label = await coordinator.api<{ message: string }>('POST', '/api/tokens', {
      body: { label: 'ward\r\nFAKE LOG LINE' },
    });
    expect(label.status).toBe(400);
    expect(JSON.stringify(label.body)).toMatch(/label: .*control or bidirectional/);
    const run = await coordinator.api('POST', '/api/runs', { body: { name: 'run \u2066x\u2069' } });
    expect(run.status).toBe(400);
    expect(JSON.stringify(run.body)).toMatch(/name: .*control or bidirectional/);
  });

  it('writes every log line as one JSON object, so no value can forge a line', () => {
    const lines = coordinator.output().split('\n').filter(Boolean);
    expect(lines.some((l) => l.startsWith('FAKE LOG LINE'))).toBe(false);
    // The start-up banner is for people; every other line is a JSON object with a level and a message.
    const banner = /^(fedfuse coordinator listening on | {2}[a-z ]+ {2,})/;
    const logs = lines.filter((l) => !banner.test(l));
    expect(logs.length).toBeGreaterThan(3);
    for (const line of logs) {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
      expect([typeof entry.level, typeof entry.msg]).toEqual(['string', 'string']);
    }
  });
});

describe('W8: a data directory others can read', () => {
  it('is made private at start, with everything in it and what a committed round writes later', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'fedfuse-w8-')), 'data');
    mkdirSync(join(dataDir, 'runs', 'old-run'), { recursive: true, mode: 0o755 });
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'runs'), 0o755);
    writeFileSync(join(dataDir, 'coordinator.sqlite'), '', { mode: 0o644 });
    writeFileSync(join(dataDir, 'runs', 'old-run', 'round-1.bin'), 'weights', { mode: 0o644 });
    const coordinator = await startCoordinatorProcess({ dataDir });
    try {
      // One committed round: a delta, a checkpoint and database writes (WAL) after start.
      const token = await coordinator.api<{ token: string }>('POST', '/api/tokens', {
        body: { label: 'w8', autoApprove: true },
      });
      const site = new TestSite(coordinator.url, 'W8 Hospital');
      expect((await site.enroll(token.body.token)).ok).toBe(true);
      site.autoTrain = { delta: (g) => g.map(() => 0.01), numExamples: 8 };
      site.keepAlive();
      const run = await coordinator.api<{ runId: string }>('POST', '/api/runs', {
        body: { name: 'w8', rounds: 1, minClients: 1, model: tinyModel, roundTimeoutSeconds: 60 },
      });
      await coordinator.api('POST', `/api/runs/${run.body.runId}/start`);
      await expect
        .poll(
          async () =>
            (await coordinator.api<{ state: string }>('GET', `/api/runs/${run.body.runId}`)).body.state,
          {
            timeout: 30_000,
            interval: 200,
          },
        )
        .toBe('completed');
      site.close();
      const modes = modesUnder(dataDir);
      const checkpoint = `runs/${run.body.runId}/checkpoints/round-1.ffwt`;
      expect(modes.get(checkpoint)).toBe(0o600);
      expect([...modes.keys()].some((path) => path.endsWith('.delta.ffwt'))).toBe(true);
      expect(modes.get('.')).toBe(0o700);
      expect(modes.get('runs')).toBe(0o700);
      expect(modes.get('runs/old-run')).toBe(0o700);
      expect(modes.get('runs/old-run/round-1.bin')).toBe(0o600);
      expect(modes.get('coordinator.sqlite')).toBe(0o600);
      expect(modes.get('coordinator.sqlite-wal')).toBe(0o600);
      const open = [...modes].filter(([, mode]) => (mode & 0o077) !== 0);
      expect(open).toEqual([]);
      expect(coordinator.output()).toMatch(/data directory .* was readable by others/);
    } finally {
      await coordinator.stop();
    }
    expect(statSync(join(dataDir, 'coordinator.sqlite')).mode & 0o777).toBe(0o600);
  });
});

describe('W9: secrets on command lines', () => {
  it('takes the operator token from a 0600 file', async () => {
    const coordinator = await startCoordinatorProcess({
      env: { FEDFUSE_OPERATOR_TOKEN: '' },
      args: ['--operator-token-file', privateFile(`${OPERATOR_TOKEN}\n`)],
    });
    try {
      expect((await coordinator.api('GET', '/api/sites')).status).toBe(200);
      expect((await coordinator.api('GET', '/api/sites', { token: WRONG })).status).toBe(401);
      expect(coordinator.output()).not.toMatch(/visible in ps/);
    } finally {
      await coordinator.stop();
    }
  });

  it('warns when the token comes from --operator-token', async () => {
    const coordinator = await startCoordinatorProcess({
      env: { FEDFUSE_OPERATOR_TOKEN: '' },
      args: ['--operator-token', OPERATOR_TOKEN],
    });
    try {
      expect((await coordinator.api('GET', '/api/sites')).status).toBe(200);
      expect(coordinator.output()).toMatch(/--operator-token .*visible in ps/);
    } finally {
      await coordinator.stop();
    }
  });

  it('the simulator starts its coordinator with no token on the command line', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fedfuse-w9-sim-'));
    const cluster = LocalCluster.under(root, { concurrency: 1, log: () => {} });
    try {
      const api = await cluster.startCoordinator();
      const pid = cluster.coordinatorPid();
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(commandLine.some((arg) => arg.includes('fedfuse-coordinator'))).toBe(true);
      expect(commandLine.join(' ')).not.toContain(cluster.operatorToken);
      expect(commandLine).not.toContain('--operator-token');
      expect(await api.createToken('w9-site')).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    } finally {
      await cluster.stop();
    }
  });

  describe('fedfuse-client enroll', () => {
    let coordinator: CoordinatorProcess;
    beforeAll(async () => {
      coordinator = await startCoordinatorProcess();
    });
    afterAll(() => coordinator.stop());

    const newSite = async (name: string) => {
      const dir = join(mkdtempSync(join(tmpdir(), 'fedfuse-w9-site-')), 'site');
      const init = await runProcess({ bin: CLIENT_BIN, args: ['init', '--dir', dir, '--name', name] });
      expect(init.code).toBe(0);
      const token = await coordinator.api<{ token: string }>('POST', '/api/tokens', {
        body: { label: name },
      });
      return { dir, token: token.body.token };
    };

    it('takes the enrollment token from the environment or a file, without a warning', async () => {
      const bySecretEnv = await newSite('Env Hospital');
      const viaEnv = await runProcess({
        bin: CLIENT_BIN,
        args: ['enroll', '--dir', bySecretEnv.dir, '--coordinator', coordinator.url],
        env: { FEDFUSE_ENROLLMENT_TOKEN: bySecretEnv.token },
      });
      expect(viaEnv.output).toMatch(/Enrolled as site/);
      expect(viaEnv.output).not.toMatch(/visible in ps/);
      const byFile = await newSite('File Hospital');
      const viaFile = await runProcess({
        bin: CLIENT_BIN,
        args: ['enroll', '--dir', byFile.dir, '--coordinator', coordinator.url],
        env: { FEDFUSE_ENROLLMENT_TOKEN_FILE: privateFile(`${byFile.token}\n`) },
      });
      expect(viaFile.output).toMatch(/Enrolled as site/);
      expect(viaFile.code).toBe(0);
    });

    it('warns when the token is passed with --token', async () => {
      const site = await newSite('Flag Hospital');
      const viaFlag = await runProcess({
        bin: CLIENT_BIN,
        args: ['enroll', '--dir', site.dir, '--coordinator', coordinator.url, `--token=${site.token}`],
      });
      expect(viaFlag.code).toBe(0);
      expect(viaFlag.output).toMatch(/--token .*visible in ps/);
    });
  });
});
