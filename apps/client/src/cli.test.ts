import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Identity, verifyEnrollment } from '@fedfuse/crypto';
import { FlRoute, fail } from '@fedfuse/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runCli } from './cli.ts';
import { readEnrollment } from './store/enrollment-file.ts';
import { captureIo } from './testing/capture-io.ts';
import { ScriptedCoordinator } from './testing/scripted-coordinator.ts';
import { tempDir } from './testing/temp-dir.ts';
import { writeTinySite } from './testing/tiny-site.ts';
import { SOFTWARE_VERSION } from './version.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

async function run(...argv: string[]) {
  const io = captureIo(dir);
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('fedfuse-client arguments', () => {
  it.each([
    [[], /^Usage: fedfuse-client <command>/],
    [
      ['launch'],
      /^fedfuse-client: unknown command "launch" \(commands: init, enroll, check, start, status, evaluate\)\n$/,
    ],
    [['init'], /^fedfuse-client init: --dir is required\n$/],
    [['init', '--dir', 'x', '--colour'], /^fedfuse-client init: unknown option '--colour'\n$/],
    [['init', '--dir'], /^fedfuse-client init: option '--dir <DIR>' argument missing\n$/],
    // A value that is one of the command's own flags means the value was forgotten.
    [['status', '--dir', '--json'], /^fedfuse-client status: option '--dir <DIR>' argument missing\n$/],
    [['init', '--dir', ' '], /^fedfuse-client init: option '--dir <DIR>' argument ' ' is invalid/],
    [['init', '--dir', 'x', 'extra'], /^fedfuse-client init: unexpected argument 'extra'\n$/],
    [
      ['init', '--dir', 'x', '--data', 'missing.yaml'],
      /^fedfuse-client init: --data .*missing.yaml does not exist or is not a file\n$/,
    ],
    [
      ['enroll', '--coordinator', 'not a url', '--token', 'abcdefghijklmnopqrst'],
      /^fedfuse-client enroll: --coordinator not a url is not a URL/,
    ],
    [
      ['enroll', '--coordinator', 'ftp://x', '--token', 'abcdefghijklmnopqrst'],
      /must be an http\(s\) URL, not ftp:/,
    ],
    [
      ['enroll', '--coordinator', 'https://x', '--token', 'short'],
      /^fedfuse-client enroll: --token: expected an enrollment token/,
    ],
    [['check'], /client.yaml does not exist; run "fedfuse-client init" first\n$/],
    [
      ['start', '--backend', 'gpu'],
      /^fedfuse-client start: option '--backend <NAME>' argument 'gpu' is invalid\. Allowed choices are auto, tensorflow-gpu, tensorflow, wasm, cpu\.\n$/,
    ],
    [
      ['start', '--log', 'xml'],
      /option '--log <FORMAT>' argument 'xml' is invalid\. Allowed choices are json, pretty/,
    ],
    [
      ['start', '--reconnect-delay', '0'],
      /^fedfuse-client start: option '--reconnect-delay <MS>' argument '0' is invalid\. Expected an integer/,
    ],
    [
      ['start', '--threads', '0'],
      /^fedfuse-client start: option '--threads <N\|auto>' argument '0' is invalid\. It must be auto or a whole number of threads ≥ 1, got 0\.\n$/,
    ],
    [
      ['start', '--threads', '1.5'],
      /argument '1\.5' is invalid\. It must be auto or a whole number of threads ≥ 1, got "1\.5"/,
    ],
    [
      ['evaluate', '--bins', '1'],
      /^fedfuse-client evaluate: option '--bins <N>' argument '1' is invalid\. Expected an integer in 2\.\.1000\.\n$/,
    ],
    [['status'], /client.yaml does not exist/],
    [['evaluate'], /client.yaml does not exist/],
  ])('%j exits 2 with one clear line', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    if (argv.length > 0) expect(err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('prints help for each command and exits 0', async () => {
    for (const command of ['init', 'enroll', 'check', 'start', 'status', 'evaluate']) {
      const { code, out } = await run(command, '--help');
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^Usage: fedfuse-client ${command}`));
      expect(out).toMatch(/--dir <DIR>/);
      expect(await run('help', command)).toMatchObject({ code: 0, out });
    }
  });

  it('prints the general help on stdout for --help and on stderr (exit 2) without a command', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: fedfuse-client <command> \[options\]/);
    for (const command of ['init', 'enroll', 'check', 'start', 'status', 'evaluate'])
      expect(help.out).toMatch(new RegExp(`\\n  ${command} `));
    const bare = await run();
    expect(bare).toMatchObject({ code: 2, out: '', err: help.out });
  });

  it('prints the version', async () => {
    expect(await run('--version')).toMatchObject({ code: 0, out: `${SOFTWARE_VERSION}\n`, err: '' });
  });
});

describe('fedfuse-client init', () => {
  it('creates the key file with mode 0600 and client.yaml, and refuses to overwrite the key', async () => {
    const data = await writeTinySite(join(dir, 'data'));
    const first = await run('init', '--dir', 'site', '--name', 'Hospital A', '--data', data);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/Site key fingerprint: [0-9a-f]{4}( [0-9a-f]{4}){15}\n/);
    const keyFile = join(dir, 'site', 'site.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const yaml = await readFile(join(dir, 'site', 'client.yaml'), 'utf8');
    expect(yaml).toContain('siteName: Hospital A');
    expect(yaml).toContain(`data: ${data}`);
    expect(yaml).toContain('backend: auto');
    const key = await readFile(keyFile);

    const second = await run('init', '--dir', 'site');
    expect(second.code).toBe(1);
    expect(second.err).toMatch(/site.key already exists; refusing to overwrite/);
    expect(await readFile(keyFile)).toEqual(key);
  });

  it('takes a value that starts with "-" (not one of its flags) as the value', async () => {
    expect((await run('init', '--dir', '-site', '--name', '-A')).code).toBe(0);
    expect(await readFile(join(dir, '-site', 'client.yaml'), 'utf8')).toContain('siteName: -A');
  });
});

describe('fedfuse-client check', () => {
  it('prints the load report with counts and rejected rows', async () => {
    const data = await writeTinySite(join(dir, 'data'));
    await run('init', '--dir', 'site', '--data', data);
    const { code, out } = await run('check', '--dir', 'site');
    expect(code).toBe(0);
    expect(out).toMatch(/Patients with EHR 20, imaging 16, genomics 18, labels 24/);
    expect(out).toMatch(/ehr\+imaging\+genomics\s+10/);
    expect(out).toMatch(/Rejected \(1\):\n\s+.*ehr.csv:22 \(patient P999\): non-numeric value/);
  });

  it('exits 1 when the data cannot be loaded', async () => {
    const data = await writeTinySite(join(dir, 'data'));
    await writeFile(data, 'site: broken\nehr: { path: nowhere.csv }\n');
    await run('init', '--dir', 'site', '--data', data);
    const { code, err } = await run('check', '--dir', 'site');
    expect(code).toBe(1);
    expect(err).toMatch(/^fedfuse-client check: the site data cannot be loaded: .*nowhere.csv/);
  });
});

describe('fedfuse-client enroll', () => {
  let coordinator: ScriptedCoordinator;
  // Starts with '-', as one base64url token in 32 does: it must pass as the value of --token.
  const token = '-tok_0123456789abcdef';

  beforeEach(async () => {
    const identity = Identity.generate({ role: 'coordinator', id: 'coordinator' });
    coordinator = await ScriptedCoordinator.start({
      identity,
      site: { siteId: crypto.randomUUID(), signingKey: '', boxKey: '' },
    });
  });
  afterEach(() => coordinator.close());
  /** The token from a 0600 file, as the site admin guide says; `flag` passes it as `--token` (warns). */
  const enroll = async (via: 'file' | 'flag' = 'file') => {
    if (via === 'flag')
      return run('enroll', '--dir', 'site', '--coordinator', coordinator.url, '--token', token);
    await writeFile(join(dir, 'token'), `${token}\n`, { mode: 0o600 });
    return run(
      'enroll',
      '--dir',
      'site',
      '--coordinator',
      coordinator.url,
      '--token-file',
      join(dir, 'token'),
    );
  };

  it('sends a signed request, prints the fingerprint and pins the coordinator keys', async () => {
    const siteId = crypto.randomUUID();
    coordinator.respond(FlRoute.enroll, (payload) => {
      const request = payload as Parameters<typeof verifyEnrollment>[0];
      if (!verifyEnrollment(request).ok || request.token !== token)
        return fail('bad_signature', 'not signed');
      const keys = coordinator.identity.publicKeys();
      return {
        ok: true,
        data: {
          siteId,
          status: 'pending',
          coordinatorSigningKey: keys.signingKey,
          coordinatorBoxKey: keys.boxKey,
          coordinatorFingerprint: coordinator.identity.fingerprint(),
        },
      };
    });
    await run('init', '--dir', 'site', '--name', 'Hospital A');
    const { code, out, err } = await enroll('flag');
    expect(code).toBe(0);
    expect(err).toMatch(/^warning: --token puts the enrollment token on the command line, visible in ps/);
    expect(out).toContain(`Coordinator fingerprint: ${coordinator.identity.fingerprint()}`);
    expect(out).toMatch(/Enrolled as site .* \(status: pending\)/);
    const saved = await readEnrollment(join(dir, 'site', 'enrollment.json'));
    expect(saved).toMatchObject({
      siteId,
      coordinatorUrl: coordinator.url,
      status: 'pending',
      coordinatorSigningKey: coordinator.identity.publicKeys().signingKey,
    });
    expect(await readFile(join(dir, 'site', 'client.yaml'), 'utf8')).toContain(
      `coordinatorUrl: ${coordinator.url}`,
    );
    expect((coordinator.received[0]?.payload as { siteName: string }).siteName).toBe('Hospital A');

    const again = await enroll();
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already enrolled \(pass --force to enroll again\)/);
  });

  it("prints the coordinator's error code and message and saves nothing", async () => {
    coordinator.respond(FlRoute.enroll, () =>
      fail('unauthenticated', 'this enrollment token was already used'),
    );
    await run('init', '--dir', 'site');
    const { code, err } = await enroll();
    expect(code).toBe(1);
    expect(err).toBe(
      'fedfuse-client enroll: enrollment refused: unauthenticated: this enrollment token was already used\n',
    );
    await expect(stat(join(dir, 'site', 'enrollment.json'))).rejects.toThrow();
  });

  it('says when the coordinator cannot be reached', async () => {
    await run('init', '--dir', 'site');
    await coordinator.close();
    const { code, err } = await enroll();
    expect(code).toBe(1);
    expect(err).toMatch(/^fedfuse-client enroll: cannot reach the coordinator at http:\/\/127.0.0.1:\d+/);
  });
});
