import { mkdtempSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CoordinatorSettings } from '../env.ts';
import { FileStoreRepository } from './file-store.repository.ts';

function store(): FileStoreRepository {
  const dataDir = mkdtempSync(join(tmpdir(), 'fedfuse-file-store-'));
  return new FileStoreRepository({ dataDir } as CoordinatorSettings);
}

describe('FileStoreRepository.assertSize', () => {
  it('passes a file of the recorded size and names a truncated or missing one', async () => {
    const files = store();
    await files.write('runs/r/a.bin', new Uint8Array(1000).fill(7));
    await expect(files.assertSize('runs/r/a.bin', 1000)).resolves.toBeUndefined();
    truncateSync(files.resolve('runs/r/a.bin'), 999);
    await expect(files.assertSize('runs/r/a.bin', 1000)).rejects.toThrow(
      'runs/r/a.bin is corrupt: 999 bytes, expected 1000',
    );
    await expect(files.assertSize('runs/r/b.bin', 1000)).rejects.toThrow('runs/r/b.bin is missing');
  });

  it('leaves content checks to readVerified, which still refuses a flipped byte', async () => {
    const files = store();
    const sha256 = await files.write('d.bin', Uint8Array.of(1, 2, 3));
    await files.write('d.bin', Uint8Array.of(1, 2, 4));
    await expect(files.assertSize('d.bin', 3)).resolves.toBeUndefined();
    await expect(files.readVerified('d.bin', sha256)).rejects.toThrow(/d\.bin is corrupt: its SHA-256 is/);
  });
});
