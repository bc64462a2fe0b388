import { z } from 'zod';

import { MAX_CHUNK_BYTES, MAX_CHUNK_COUNT, MAX_CHUNK_WINDOW, MAX_TRANSFER_BYTES } from './limits.ts';
import { Bytes, Count, Sha256Hex, Uuid } from './primitives.ts';

/** Chunks a transfer of `totalBytes` has at `chunkBytes` each; an empty transfer is one empty chunk. */
export function chunkCountFor(totalBytes: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(totalBytes / chunkBytes));
}

/** Payload length chunk `index` must have. */
export function chunkLengthAt(ref: Pick<TransferRef, 'totalBytes' | 'chunkBytes'>, index: number): number {
  return Math.max(0, Math.min(ref.chunkBytes, ref.totalBytes - index * ref.chunkBytes));
}

const transferShape = {
  transferId: Uuid,
  totalBytes: z.int().min(0).max(MAX_TRANSFER_BYTES),
  chunkBytes: z.int().min(1).max(MAX_CHUNK_BYTES),
  chunkCount: z.int().min(1).max(MAX_CHUNK_COUNT),
  sha256: Sha256Hex,
};

function countMatches(r: { totalBytes: number; chunkBytes: number; chunkCount: number }): boolean {
  return r.chunkCount === chunkCountFor(r.totalBytes, r.chunkBytes);
}
const countMessage = {
  path: ['chunkCount'],
  message: 'chunkCount must equal max(1, ceil(totalBytes / chunkBytes))',
};

/** Names a blob sent as chunks: how big it is, how it is cut, and the SHA-256 of the whole. */
export const TransferRef = z.object(transferShape).refine(countMatches, countMessage);
export type TransferRef = z.infer<typeof TransferRef>;

/**
 * One piece of a transfer; every chunk repeats the transfer header so each can be checked on its own.
 * `chunkSha256` (optional: older senders leave it out) lets a receiver refuse a corrupt chunk on arrival
 * instead of after the whole transfer.
 */
export const TransferChunk = z
  .object({
    ...transferShape,
    index: z
      .int()
      .min(0)
      .max(MAX_CHUNK_COUNT - 1),
    data: Bytes,
    chunkSha256: Sha256Hex.optional(),
  })
  .refine(countMatches, countMessage)
  .refine((c) => c.index < c.chunkCount, { path: ['index'], message: 'index must be below chunkCount' })
  .refine((c) => c.data.byteLength === chunkLengthAt(c, c.index), {
    path: ['data'],
    message: 'data length must be chunkBytes, or the remainder for the last chunk',
  });
export type TransferChunk = z.infer<typeof TransferChunk>;

/**
 * A site asks for (the rest of) a transfer, e.g. after a reconnect: chunks from `fromIndex` are re-sent,
 * at most `window` of them unacknowledged at a time (DEFAULT_CHUNK_WINDOW when left out; 1 is stop-and-wait).
 */
export const TransferFetch = z.object({
  transferId: Uuid,
  fromIndex: z
    .int()
    .min(0)
    .max(MAX_CHUNK_COUNT - 1),
  window: z.int().min(1).max(MAX_CHUNK_WINDOW).optional(),
});
export type TransferFetch = z.infer<typeof TransferFetch>;

/** Acknowledgement of one chunk: how many chunks have arrived so far and whether the transfer is complete. */
export const ChunkReceipt = z.object({ transferId: Uuid, received: Count, complete: z.boolean() });
export type ChunkReceipt = z.infer<typeof ChunkReceipt>;
