import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'fedfuse-parent-death-'));
const parentScript = join(import.meta.dirname, 'fixtures', 'cluster-parent.mjs');
/** The children seen, killed after the test whatever it found, so a failure leaves no process behind. */
const children: number[] = [];
afterAll(() => {
  for (const pid of children.filter(running)) process.kill(pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** Whether the process still runs: a zombie nobody reaped (a container's init may not) counts as gone. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (name) state …"; the name may hold spaces, so read after its last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc here: kill(pid, 0) said it runs
  }
}

/** The process ids the stand-in parent prints once its coordinator and site host run. */
function childrenOf(parent: ChildProcess): Promise<number[]> {
  return new Promise((resolve, reject) => {
    createInterface({ input: parent.stdout! }).once('line', (line) =>
      resolve((JSON.parse(line) as { children: number[] }).children),
    );
    parent.once('exit', (code) =>
      reject(new Error(`the parent exited (${code}) before its children started`)),
    );
  });
}

describe('a simulator killed outright', () => {
  it('takes its coordinator and site host processes with it', async () => {
    const parent = spawn(process.execPath, [parentScript, root], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(...(await childrenOf(parent)));
    expect(children).toHaveLength(2);
    expect(children.every(running)).toBe(true);

    // SIGKILL: the parent runs no handler at all, so only the children themselves can notice.
    parent.kill('SIGKILL');
    await expect.poll(() => children.filter(running), { timeout: 30_000, interval: 100 }).toEqual([]);
  }, 180_000);
});
