import type { Ack, ChunkReceipt, TransferChunk, TransferRef } from '@fedfuse/protocol';
import { DEFAULT_CHUNK_WINDOW, chunkTransfer, fail, ok, sendWindowed } from '@fedfuse/protocol';

/** Sends one chunk as `delta:chunk` and resolves with the coordinator's receipt. */
export type ChunkSend = (chunk: TransferChunk) => Promise<Ack<ChunkReceipt>>;

/**
 * Sends a masked input's words as a chunked transfer (the same windowed `delta:chunk`s as a sealed delta), so a
 * model of any size fits; resolves with the reference the `secagg:submit` names, or the first refusal.
 * Unsealed on purpose: the masks hide the update from the coordinator.
 */
export async function uploadMasked(masked: Uint8Array, sendChunk: ChunkSend): Promise<Ack<TransferRef>> {
  const transfer = await chunkTransfer(masked, { chunkDigests: false });
  let refusal: Ack<TransferRef> | undefined;
  const send = async (chunk: TransferChunk): Promise<boolean> => {
    const ack = await sendChunk(chunk);
    if (ack.ok || ack.error.code === 'duplicate') return true;
    refusal ??= fail(ack.error.code, `masked input chunk ${chunk.index}: ${ack.error.message}`);
    return false;
  };
  // The first chunk alone opens the transfer on the coordinator; the others then join it.
  const chunks = transfer.chunks();
  const first = chunks.next();
  if (!first.done && !(await send(first.value))) return refusal!;
  await sendWindowed(chunks, { window: DEFAULT_CHUNK_WINDOW, send });
  return refusal ?? ok(transfer.ref);
}
