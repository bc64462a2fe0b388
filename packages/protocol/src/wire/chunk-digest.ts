import type { Ack } from '../errors.ts';
import { fail, ok } from '../errors.ts';
import type { TransferChunk } from '../transfer.ts';
import { sha256Hex } from './sha256.ts';

/**
 * Refuses a chunk whose bytes do not hash to the `chunkSha256` it carries (`hash_mismatch`, naming the
 * chunk); a chunk without one passes, and the whole transfer's hash still covers it.
 */
export async function checkChunkDigest(chunk: TransferChunk): Promise<Ack> {
  if (chunk.chunkSha256 === undefined) return ok();
  const actual = await sha256Hex(chunk.data);
  if (actual === chunk.chunkSha256) return ok();
  return fail(
    'hash_mismatch',
    `chunk ${chunk.index} of transfer ${chunk.transferId} hashes to ${actual}, but its header says ${chunk.chunkSha256} (corrupted on the way)`,
  );
}
