import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Permission bits of `root` ('.') and of everything under it, by path relative to `root`. */
export function modesUnder(root: string): Map<string, number> {
  const modes = new Map<string, number>();
  const visit = (path: string, depth: number) => {
    const stat = statSync(path);
    modes.set(relative(root, path) || '.', stat.mode & 0o777);
    if (!stat.isDirectory() || depth > 16) return;
    for (const entry of readdirSync(path)) visit(join(path, entry), depth + 1);
  };
  visit(root, 0);
  return modes;
}
