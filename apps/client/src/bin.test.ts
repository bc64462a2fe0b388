import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FlEvent } from '@fedfuse/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { enrolledSite, type EnrolledSite } from './testing/site-folder.ts';
import { tempDir } from './testing/temp-dir.ts';

const BIN = fileURLToPath(new URL('../bin/fedfuse-client.js', import.meta.url));

/** Run the real executable; resolves with its exit code and output. */
function spawnCli(args: string[], options: { onStdout?: (text: string) => void } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FEDFUSE_HANDSHAKE_BACKOFF_MS: '50' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    options.onStdout?.(stdout);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

describe('bin/fedfuse-client.js', () => {
  it('exits 2 with one line on stderr for a bad argument', async () => {
    const { code, stderr } = await spawnCli(['status', '--verbose']).done;
    expect(code).toBe(2);
    expect(stderr).toBe("fedfuse-client status: unknown option '--verbose'\n");
  });

  describe('start', () => {
    let env: EnrolledSite;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      const tmp = await tempDir();
      cleanup = tmp.cleanup;
      env = await enrolledSite(tmp.dir);
    });
    afterEach(async () => {
      await env.coordinator.close();
      await cleanup();
    });

    it('runs the daemon as a process, logs JSON lines, and exits 0 on SIGTERM', async () => {
      const run = spawnCli(['start', '--dir', env.dir, '--reconnect-delay', '50']);
      await env.coordinator.next(FlEvent.siteReport);
      run.child.kill('SIGTERM');
      const { code, stdout } = await run.done;
      expect(code).toBe(0);
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { time: string; level: string; msg: string });
      expect(
        lines.every(
          (l) => typeof l.time === 'string' && typeof l.level === 'string' && typeof l.msg === 'string',
        ),
      ).toBe(true);
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          'site data loaded',
          'handshake accepted',
          'shutting down',
          'site daemon stopped',
        ]),
      );
    });
  });
});
