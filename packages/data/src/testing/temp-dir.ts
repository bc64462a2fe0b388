import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A temporary folder for a test, removed by `cleanup`. */
export interface TempDir {
  dir: string;
  /** Writes files (text or bytes) at paths relative to the folder, creating sub-folders. */
  write(files: Record<string, string | Buffer>): Promise<void>;
  path(rel: string): string;
  cleanup(): Promise<void>;
}

/** Creates a fresh temporary folder under the OS temp dir. */
export async function makeTempDir(prefix = 'fedfuse-data-'): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    path: (rel) => join(dir, rel),
    write: async (files) => {
      for (const [rel, content] of Object.entries(files)) {
        const path = join(dir, rel);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, content);
      }
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
