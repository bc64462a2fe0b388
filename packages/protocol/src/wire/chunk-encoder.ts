import { DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES, MAX_CHUNK_COUNT, MAX_TRANSFER_BYTES } from '../limits.ts';
import type { TransferChunk, TransferRef } from '../transfer.ts';
import { chunkCountFor, chunkLengthAt } from '../transfer.ts';
import { sha256Hex } from './sha256.ts';

/** A blob cut into chunks: its reference (for FitIns/FitRes) and a lazy chunk source, each chunk with its hash. */
export interface ChunkedTransfer {
  ref: TransferRef;
  /**
   * Chunks from `fromIndex` on, each a view of at most `chunkBytes` bytes into the blob, not a copy (a
   * coordinator serving 10 sites copied 90 MB a round of a 1.1M model): the blob must not change while chunks
   * are out, and whoever wants to change a chunk's bytes copies them first.
   */
  chunks(fromIndex?: number): Generator<TransferChunk>;
}

/** Options for chunkTransfer. */
export interface ChunkTransferOptions {
  /** Defaults to a random UUID. */
  transferId?: string;
  /** Defaults to DEFAULT_CHUNK_BYTES; at most MAX_CHUNK_BYTES. */
  chunkBytes?: number;
  /**
   * Give every chunk its own SHA-256 (default true), so a receiver can refuse a corrupt chunk on arrival and
   * fetch again from it (model downloads). Uploads of sealed deltas pass false: the coordinator checks them by
   * the whole transfer's hash and the sealed box's tag, and hashing each delta once more costs ≈ 7 ms per 4.5 MB here.
   */
  chunkDigests?: boolean;
  /**
   * The bytes' SHA-256 (lower-case hex) when the caller computed it already (a coordinator names its models by
   * it), so the whole is not hashed twice. Trusted: a wrong value sends a transfer every receiver refuses.
   */
  sha256?: string;
}

/**
 * Describe `bytes` as a chunked transfer: hashes the whole once, then yields chunks on demand.
 * @example const t = await chunkTransfer(encodeWeights(w)); for (const c of t.chunks()) await emitChunk(c);
 */
export async function chunkTransfer(
  bytes: Uint8Array,
  options: ChunkTransferOptions = {},
): Promise<ChunkedTransfer> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
    throw new RangeError(`chunkBytes must be an integer in 1..${MAX_CHUNK_BYTES}, got ${chunkBytes}`);
  }
  if (bytes.byteLength > MAX_TRANSFER_BYTES) {
    throw new RangeError(`a transfer holds at most ${MAX_TRANSFER_BYTES} bytes, got ${bytes.byteLength}`);
  }
  const chunkCount = chunkCountFor(bytes.byteLength, chunkBytes);
  if (chunkCount > MAX_CHUNK_COUNT) {
    throw new RangeError(`${chunkCount} chunks exceed ${MAX_CHUNK_COUNT}; use a larger chunkBytes`);
  }
  const ref: TransferRef = {
    transferId: options.transferId ?? globalThis.crypto.randomUUID(),
    totalBytes: bytes.byteLength,
    chunkBytes,
    chunkCount,
    sha256: options.sha256 ?? (await sha256Hex(bytes)),
  };
  const viewAt = (index: number): Uint8Array => {
    const start = index * chunkBytes;
    return bytes.subarray(start, start + chunkLengthAt(ref, index));
  };
  // Hashed once here, so a sender serving many receivers does not hash every chunk per receiver.
  const digests: (string | undefined)[] = [];
  if (options.chunkDigests ?? true)
    for (let index = 0; index < chunkCount; index++) digests.push(await sha256Hex(viewAt(index)));
  function* chunks(fromIndex = 0): Generator<TransferChunk> {
    for (let index = fromIndex; index < chunkCount; index++) {
      const view = viewAt(index);
      // A view of shared memory is copied: another thread may change it while the chunk is out.
      const data = isShared(view) ? view.slice() : (view as Uint8Array<ArrayBuffer>);
      const digest = digests[index];
      yield { ...ref, index, data, ...(digest === undefined ? {} : { chunkSha256: digest }) };
    }
  }
  return { ref, chunks };
}

function isShared(bytes: Uint8Array): boolean {
  return !(bytes.buffer instanceof ArrayBuffer);
}
