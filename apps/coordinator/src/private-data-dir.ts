import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Group and other permission bits: none of them may be set on the data directory or anything in it. */
const OTHERS = 0o077;
/** Deep enough for `runs/<run>/<round>/…`; a deeper tree is not the coordinator's. */
const MAX_DEPTH = 8;

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/**
 * W8 (issue 13): makes the data directory and everything in it private (folders 0700, files 0600),
 * whatever existed before: the database and checkpoints are the federation's model and audit trail.
 * What the coordinator's user owns it fixes with chmod, which is what the operator meant; what another
 * user owns it cannot fix, and refuses to start on rather than run with files others can read.
 * Returns a warning to log when something had to be fixed. Symbolic links are left alone.
 */
export function makeDataDirPrivate(
  dataDir: string,
  /** The user the coordinator runs as (a test plays another). */
  uid: number | undefined = process.getuid?.(),
): string | undefined {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const fixed: string[] = [];
  const visit = (path: string, depth: number): void => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    const wanted = stat.isDirectory() ? 0o700 : 0o600;
    if ((stat.mode & OTHERS) !== 0) {
      if (uid !== undefined && stat.uid !== uid)
        throw new Error(
          `${path} is readable by others (${octal(stat.mode)}) and owned by uid ${stat.uid}, not this user ` +
            `(${uid}): refusing to start; make the data directory private (chmod -R go-rwx) or choose another`,
        );
      chmodSync(path, wanted);
      fixed.push(`${path} ${octal(stat.mode)}`);
    }
    if (stat.isDirectory() && depth < MAX_DEPTH)
      for (const entry of readdirSync(path)) visit(join(path, entry), depth + 1);
  };
  visit(dataDir, 0);
  if (fixed.length === 0) return undefined;
  return (
    `data directory ${dataDir} was readable by others (${fixed.length} entries, e.g. ${fixed.slice(0, 3).join(', ')}): ` +
    'made it private (folders 0700, files 0600)'
  );
}
