import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDataDirPrivate } from './private-data-dir.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** A data directory as a careless `mkdir` + `cp` leaves it: 0755 folders, a 0644 database. */
function openDataDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'fedfuse-private-')), 'data');
  mkdirSync(join(dir, 'runs'), { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'runs'), 0o755);
  writeFileSync(join(dir, 'coordinator.sqlite'), '', { mode: 0o644 });
  return dir;
}

describe(makeDataDirPrivate.name, () => {
  it('makes what this user owns private and says what it changed', () => {
    const dir = openDataDir();
    const warning = makeDataDirPrivate(dir);
    expect(warning).toMatch(/was readable by others \(3 entries, .*0755.*\): made it private/);
    expect([modeOf(dir), modeOf(join(dir, 'runs')), modeOf(join(dir, 'coordinator.sqlite'))]).toEqual([
      0o700, 0o700, 0o600,
    ]);
    expect(makeDataDirPrivate(dir)).toBeUndefined();
  });

  it('refuses to start on a readable entry another user owns, and changes nothing', () => {
    const dir = openDataDir();
    const otherUser = (process.getuid?.() ?? 0) + 1;
    expect(() => makeDataDirPrivate(dir, otherUser)).toThrow(
      /data is readable by others \(0755\) and owned by uid \d+, not this user .*refusing to start/,
    );
    expect(modeOf(dir)).toBe(0o755);
    expect(modeOf(join(dir, 'coordinator.sqlite'))).toBe(0o644);
  });

  it('creates a missing directory private', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fedfuse-private-')), 'new', 'data');
    expect(makeDataDirPrivate(dir)).toBeUndefined();
    expect(modeOf(dir)).toBe(0o700);
  });
});
