import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The install brings its own Node (the root `node` devDependency, linked as node_modules/.bin/node) so
// that the product runs on Node 24 even where the machine's Node is older: better-sqlite3 13 crashes on 20.
const installedNode = realpathSync(fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url)));

describe('the Node the suite runs on', () => {
  it('is the Node 24 the install brought', () => {
    expect(realpathSync(process.execPath)).toBe(installedNode);
    expect(process.versions.node.split('.')[0]).toBe('24');
  });

  it('is also the Node of a process spawned with process.execPath, as the suite spawns its bins', () => {
    const childVersion = execFileSync(process.execPath, ['-p', 'process.version'], { encoding: 'utf8' });
    expect(childVersion.trim()).toBe(process.version);
  });
});
