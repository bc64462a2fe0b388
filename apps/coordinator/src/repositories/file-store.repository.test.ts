import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CoordinatorSettings } from '../env.ts';
import { FileStoreRepository } from './file-store.repository.ts';

function store(): FileStoreRepository {
  const dataDir = mkdtempSync(join(tmpdir(), 'fedfuse-file-store-'));
  return new FileStoreRepository({ dataDir } as CoordinatorSettings);
}

describe('FileStoreRepository.write', () => {
  it("returns the bytes' SHA-256 and readVerified accepts them by it", async () => {
    const files = store();
    const bytes = Uint8Array.from({ length: 300_001 }, (_, i) => (i * 31) % 251);
    const sha256 = await files.write('runs/r/delta.ffwt', bytes);
    expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(new Uint8Array(readFileSync(files.resolve('runs/r/delta.ffwt')))).toEqual(bytes);
    expect(await files.readVerified('runs/r/delta.ffwt', sha256)).toEqual(bytes);
    // A hash the caller already has is returned as given, without a second pass.
    expect(await files.write('runs/r/model.ffwt', bytes, 'f'.repeat(64))).toBe('f'.repeat(64));
  });
});

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
