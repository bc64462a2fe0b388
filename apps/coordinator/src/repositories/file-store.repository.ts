import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { CoordinatorSettings } from '../env.ts';
import { SETTINGS } from '../tokens.ts';

/** SHA-256 of bytes as hex. */
function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Checkpoints, deltas and optimizer state as files under the data directory. Writes are atomic
 * (temp file, fsync, rename, fsync of the folder) so a crash never leaves a half-written file in use,
 * and reads verify the checksum recorded when the file was written.
 */
@Injectable()
export class FileStoreRepository {
  constructor(@Inject(SETTINGS) private readonly settings: CoordinatorSettings) {}

  /** Absolute path of a data-directory-relative path. */
  resolve(path: string): string {
    return join(this.settings.dataDir, path);
  }

  /**
   * Writes bytes atomically; returns their SHA-256, or `knownSha256` when the caller hashed these very bytes
   * already (a model blob is named by its hash): a second pass over them would find the same.
   */
  async write(path: string, bytes: Uint8Array, knownSha256?: string): Promise<string> {
    const target = this.resolve(path);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const temp = `${target}.${process.pid}.tmp`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    const folder = await open(dirname(target), 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
    return knownSha256 ?? sha256(bytes);
  }

  /** Reads a file and refuses it when its bytes no longer hash to `expectedSha256`. */
  async readVerified(path: string, expectedSha256: string): Promise<Uint8Array> {
    const bytes = ownedBytes(await readFile(this.resolve(path)));
    const actual = sha256(bytes);
    if (actual !== expectedSha256) {
      throw new Error(
        `${path} is corrupt: its SHA-256 is ${actual.slice(0, 12)}…, expected ${expectedSha256.slice(0, 12)}…`,
      );
    }
    return bytes;
  }

  /** Throws unless the file is there with exactly `expectedBytes` bytes (a cheap check: no read, no hash). */
  async assertSize(path: string, expectedBytes: number): Promise<void> {
    const size = await stat(this.resolve(path)).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined) throw new Error(`${path} is missing`);
    if (size !== expectedBytes)
      throw new Error(`${path} is corrupt: ${size} bytes, expected ${expectedBytes}`);
  }

  /** Deletes a file that turned out not to be needed (absent already is fine). */
  async remove(path: string): Promise<void> {
    await rm(this.resolve(path), { force: true });
  }

  async read(path: string): Promise<Uint8Array> {
    return ownedBytes(await readFile(this.resolve(path)));
  }

  /** A path relative to the data directory, as stored in the database. */
  relativePath(absolute: string): string {
    return relative(this.settings.dataDir, absolute);
  }
}

/** A file's bytes as a plain Uint8Array, without copying a buffer that is the file's alone. */
function ownedBytes(read: Buffer): Uint8Array {
  const whole = read.byteOffset === 0 && read.byteLength === read.buffer.byteLength;
  return whole ? new Uint8Array(read.buffer) : new Uint8Array(read);
}
