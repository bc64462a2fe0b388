import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DASHBOARD_DIST } from '@fedfuse/dashboard/dist-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startProcess } from '../e2e/processes.ts';
import {
  deployProduction,
  installedPackages,
  REPO_ROOT,
  SERVER_STACK,
  TOOLCHAIN,
} from './production-install.ts';

const OPERATOR_TOKEN = 'ship-test-operator-token-0123456789abcdef';
const DEPLOY_TIMEOUT_MS = 240_000;
const APPS = {
  coordinator: { name: '@fedfuse/coordinator', bin: 'bin/fedfuse-coordinator.js' },
  client: { name: '@fedfuse/client', bin: 'bin/fedfuse-client.js' },
  simulator: { name: '@fedfuse/simulator', bin: 'bin/fedfuse-sim.js' },
} as const;
/** Each app's key is also its folder under apps/. */
type App = keyof typeof APPS;
const APP_KEYS = Object.keys(APPS) as App[];

// Outside the repository, so node cannot fall back on the workspace's node_modules.
const root = mkdtempSync(join(tmpdir(), 'fedfuse-ship-'));
const deployed = (app: App) => join(root, app);
// Children get a plain environment: no --conditions=source from the test runner, no loader.
const plainEnv = { NODE_OPTIONS: '' };

/** `node bin --help` from the production install: exit 0 and the bin's own usage text. */
function help(app: App): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(deployed(app), APPS[app].bin), '--help'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...plainEnv },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the production install (pnpm deploy --prod)', () => {
  beforeAll(async () => {
    for (const app of APP_KEYS) assertBuilt(join(REPO_ROOT, 'apps', app, APPS[app].bin));
    await Promise.all(
      APP_KEYS.map((app) =>
        deployProduction({ name: APPS[app].name, dir: deployed(app), timeoutMs: DEPLOY_TIMEOUT_MS }),
      ),
    );
  }, DEPLOY_TIMEOUT_MS + 10_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(APP_KEYS)('of the %s carries no TypeScript loader, compiler or bundler', (app) => {
    const packages = installedPackages(deployed(app));
    expect(packages.has('zod')).toBe(true); // the listing sees real dependencies
    expect(TOOLCHAIN.filter((name) => packages.has(name))).toEqual([]);
    expect(existsSync(join(deployed(app), 'dist'))).toBe(true);
    expect(existsSync(join(deployed(app), 'src'))).toBe(false);
    expect(existsSync(join(deployed(app), 'node_modules/@fedfuse/protocol/src'))).toBe(false);
  });

  it("of the client carries none of the coordinator's server and database stack", () => {
    const packages = installedPackages(deployed('client'));
    expect(packages.has('socket.io-client')).toBe(true);
    expect(SERVER_STACK.filter((name) => packages.has(name))).toEqual([]);
    expect(installedPackages(deployed('coordinator')).has('@nestjs/core')).toBe(true);
  });

  it('runs the client and simulator bins from compiled output', () => {
    const client = help('client');
    expect(client).toMatchObject({ status: 0, stderr: '' });
    expect(client.stdout).toMatch(/^Usage: fedfuse-client <command>/);
    const simulator = help('simulator');
    expect(simulator).toMatchObject({ status: 0, stderr: '' });
    expect(simulator.stdout).toMatch(/^Usage: fedfuse-sim .*\n[^]*\brun \[options\]/);
  });

  it("of the simulator carries the coordinator's and client's bins and the built dashboard it starts", () => {
    // What the simulator imports to find them, resolved from inside its production install.
    const found = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '--eval',
        `import { COORDINATOR_BIN } from '@fedfuse/coordinator/bin-path';
         import { CLIENT_BIN } from '@fedfuse/client/bin-path';
         import { DASHBOARD_DIST } from '@fedfuse/dashboard/dist-dir';
         console.log(JSON.stringify([COORDINATOR_BIN, CLIENT_BIN, DASHBOARD_DIST + '/index.html']));`,
      ],
      { cwd: deployed('simulator'), encoding: 'utf8', env: { ...process.env, ...plainEnv } },
    );
    expect(found.stderr).toBe('');
    const paths = JSON.parse(found.stdout) as string[];
    expect(paths.filter((path) => !path.startsWith(deployed('simulator')) || !existsSync(path))).toEqual([]);
  });

  it('starts the coordinator, which answers /healthz, /metrics (injected without @Inject) and serves the dashboard', async () => {
    const dataDir = join(root, 'coordinator-data');
    const started = await startProcess({
      bin: join(deployed('coordinator'), APPS.coordinator.bin),
      args: ['--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--dashboard', DASHBOARD_DIST],
      env: { ...plainEnv, FEDFUSE_OPERATOR_TOKEN: OPERATOR_TOKEN },
      ready: 'fedfuse coordinator listening on ',
      timeoutMs: 60_000,
    });
    const exited = new Promise((resolve) => started.child.once('exit', resolve));
    try {
      const url = /listening on (http:\/\/\S+)/.exec(started.output())![1]!;
      const health = await fetch(`${url}/healthz`);
      expect({ status: health.status, body: await health.json() }).toEqual({
        status: 200,
        body: { status: 'ok', database: 'sqlite' },
      });
      const metrics = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('# TYPE fedfuse_sites_connected ');
      const dashboard = await fetch(`${url}/`);
      expect(await dashboard.text()).toContain('<title>FedFuse operator dashboard</title>');
    } finally {
      started.child.kill('SIGTERM');
      await exited;
    }
  });
});
