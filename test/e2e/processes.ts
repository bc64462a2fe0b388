import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLIENT_BIN } from '@fedfuse/client/bin-path';

/** The bins run compiled output: fail with the fix, not with a child's exit code, when it is missing. */
export function assertBuilt(bin: string): void {
  const dist = join(dirname(bin), '..', 'dist');
  if (!existsSync(dist)) {
    throw new Error(
      `${bin} runs compiled output and ${dist} is missing: run \`pnpm build\` first (pnpm test does)`,
    );
  }
}

export interface Started {
  child: ChildProcess;
  output: () => string;
}

/** Spawns `node bin args`, collecting its output; resolves when `ready` appears in it (or at once). */
export function startProcess(options: {
  bin: string;
  args: string[];
  env?: Record<string, string>;
  ready?: string;
  timeoutMs?: number;
}): Promise<Started> {
  assertBuilt(options.bin);
  const child = spawn(process.execPath, [options.bin, ...options.args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (data: Buffer) => (output += data.toString());
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const started = { child, output: () => output };
  if (!options.ready) return Promise.resolve(started);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${options.ready}" within ${options.timeoutMs ?? 60_000} ms:\n${output}`)),
      options.timeoutMs ?? 60_000,
    );
    const check = () => {
      if (output.includes(options.ready!)) {
        clearTimeout(timer);
        resolve(started);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited (${code}) before "${options.ready}":\n${output}`));
    });
  });
}

/** Runs a command to completion and returns its exit code and output. */
export async function runProcess(options: {
  bin: string;
  args: string[];
  env?: Record<string, string>;
}): Promise<{ code: number | null; output: string }> {
  const started = await startProcess(options);
  const code = await new Promise<number | null>((resolve) => started.child.once('exit', resolve));
  return { code, output: started.output() };
}

/**
 * A site daemon as its administrator sets it up: `init` in `dir` with the data config, `enroll` with the
 * operator's token, then `start` (wasm, JSON log, quick reconnects). Throws with the output if a step fails.
 */
export async function startSiteDaemon(options: {
  dir: string;
  name: string;
  data: string;
  coordinatorUrl: string;
  token: string;
  /** The site's privacy policy, as client.yaml's `privacy:` block (YAML lines under it). */
  privacyYaml?: string;
  /** More environment for `start` (e.g. a test-only hook). */
  env?: Record<string, string>;
}): Promise<Started> {
  const { dir } = options;
  const steps = [
    ['init', '--dir', dir, '--name', options.name, '--data', options.data],
    ['enroll', '--dir', dir, '--coordinator', options.coordinatorUrl],
  ];
  for (const args of steps) {
    // The token in the environment, as the site admin guide says (a command line is visible in ps).
    const step = await runProcess({
      bin: CLIENT_BIN,
      args,
      env: { FEDFUSE_ENROLLMENT_TOKEN: options.token },
    });
    if (step.code !== 0) throw new Error(`fedfuse-client ${args[0]} exited ${step.code}:\n${step.output}`);
  }
  if (options.privacyYaml) setPrivacyPolicy(join(dir, 'client.yaml'), options.privacyYaml);
  return startProcess({
    bin: CLIENT_BIN,
    args: ['start', '--dir', dir, '--log', 'json', '--backend', 'wasm'],
    env: { FEDFUSE_RECONNECT_DELAY_MS: '200', FEDFUSE_RECONNECT_DELAY_MAX_MS: '1000', ...options.env },
  });
}

/** Replaces the `privacy: {}` that init and enroll write with the administrator's policy. */
function setPrivacyPolicy(path: string, block: string): void {
  const text = readFileSync(path, 'utf8');
  if (!/^privacy: \{\}$/m.test(text))
    throw new Error(`${path} has no empty privacy policy to replace:\n${text}`);
  writeFileSync(path, text.replace(/^privacy: \{\}$/m, `privacy:\n${block}`));
}
