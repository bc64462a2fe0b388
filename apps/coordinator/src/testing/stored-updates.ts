import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';

/** Every update row and opened-delta file a SQLite-backed coordinator has stored in `dataDir`. */
export function storedUpdates(dataDir: string): { rows: number; deltaFiles: string[] } {
  const db = new SQLite(join(dataDir, 'coordinator.sqlite'), { readonly: true });
  try {
    const { n } = db.prepare('select count(*) n from updates').get() as { n: number };
    return { rows: n, deltaFiles: deltaFiles(dataDir) };
  } finally {
    db.close();
  }
}

/** Paths (relative to `dataDir`) of the opened deltas under runs/<run>/rounds/. */
export function deltaFiles(dataDir: string): string[] {
  const runs = join(dataDir, 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.delta.ffwt'))
    .map((path) => join('runs', path))
    .sort();
}
