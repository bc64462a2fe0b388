import type { Ack } from '../errors.ts';
import { fail } from '../errors.ts';
import { DEFAULT_MAX_TRANSFER_BYTES, MAX_CHUNK_WINDOW } from '../limits.ts';
import type { ChunkReceipt, TransferChunk, TransferRef } from '../transfer.ts';
import { chunkCountFor, chunkLengthAt } from '../transfer.ts';
import { sha256Hex } from './sha256.ts';

/** Options for a ChunkReassembler. */
export interface ReassemblerOptions {
  /** The reference announced beforehand (e.g. in FitRes); every chunk must match it. */
  expected?: TransferRef;
  /** Refuse transfers larger than this (default DEFAULT_MAX_TRANSFER_BYTES). */
  maxTotalBytes?: number;
  /** How far past the first missing chunk an arriving index may be (default MAX_CHUNK_WINDOW). */
  reorderWindow?: number;
  /**
   * Memory the caller already holds for the whole transfer (a reused delta-sized buffer): when it has exactly
   * the transfer's length, each accepted chunk is copied into it on arrival and not kept, so chunks die young
   * instead of living until the last one arrives, and `finish` returns it. Ignored when the length differs.
   * Overwritten even when the transfer is refused.
   */
  into?: Uint8Array;
  /**
   * Allocate the whole transfer's buffer once its first chunk is accepted (its size checked by then) and copy
   * every chunk into it on arrival, as `into` does: for a receiver that holds the whole anyway (a site
   * downloading its model), so chunks die young and the bytes are never held twice (chunks and the whole
   * at `finish`). Never before a chunk is accepted: announcing a size allocates nothing.
   */
  wholeAtFirstChunk?: boolean;
  /**
   * Check the whole-transfer SHA-256 at `finish` (default true). False only for a caller that authenticates
   * the bytes another way before using them (a sealed delta's AEAD tag) or hashes them itself when it must.
   */
  verifyHash?: boolean;
}

const HEADER_FIELDS = ['transferId', 'totalBytes', 'chunkBytes', 'chunkCount', 'sha256'] as const;

/**
 * Rebuilds one chunked transfer and checks it: consistent headers, bounded size, no duplicates, bounded
 * reordering, every chunk present and the SHA-256 of the whole. A refused chunk changes no state.
 */
export class ChunkReassembler {
  private ref: TransferRef | undefined;
  /** Chunks as they arrived: memory grows with what was received, never with what was announced. */
  private readonly chunks = new Map<number, Uint8Array>();
  private heldBytes = 0;
  private received: Uint8Array | undefined;
  private receivedCount = 0;
  private firstMissing = 0;
  private finished = false;
  /** Where accepted chunks are copied on arrival: `into`, or the buffer `wholeAtFirstChunk` allocated. */
  private target: Uint8Array | undefined;
  private readonly maxTotalBytes: number;
  private readonly reorderWindow: number;

  constructor(private readonly options: ReassemblerOptions = {}) {
    this.maxTotalBytes = options.maxTotalBytes ?? DEFAULT_MAX_TRANSFER_BYTES;
    this.reorderWindow = options.reorderWindow ?? MAX_CHUNK_WINDOW;
    this.ref = options.expected;
    this.target = options.into;
  }

  /** Index of the first chunk not yet received: where a resumed sender should start. */
  get nextIndex(): number {
    return this.firstMissing;
  }

  /** Bytes of chunk data held so far (0 once finished). */
  get bytesHeld(): number {
    return this.heldBytes;
  }

  /** True once every chunk has arrived (the hash is checked by finish()). */
  get complete(): boolean {
    return this.ref !== undefined && this.receivedCount === this.ref.chunkCount;
  }

  /** Accept one chunk (already schema-validated, but re-checked here: the reassembler trusts no caller). */
  push(chunk: TransferChunk): Ack<ChunkReceipt> {
    if (this.finished) return fail('invalid_payload', `transfer ${chunk.transferId} is already finished`);
    const header = this.checkHeader(chunk);
    if (!header.ok) return header;
    const ref = header.data;
    if (chunk.index < 0 || chunk.index >= ref.chunkCount || !Number.isInteger(chunk.index)) {
      return fail('invalid_payload', `chunk index ${chunk.index} is outside 0..${ref.chunkCount - 1}`);
    }
    const want = chunkLengthAt(ref, chunk.index);
    if (chunk.data.byteLength > want) {
      return fail(
        'payload_too_large',
        `chunk ${chunk.index} has ${chunk.data.byteLength} bytes, expected ${want}`,
      );
    }
    if (chunk.data.byteLength < want) {
      return fail(
        'invalid_payload',
        `chunk ${chunk.index} has ${chunk.data.byteLength} bytes, expected ${want}`,
      );
    }
    if (this.received?.[chunk.index] === 1)
      return fail('duplicate', `chunk ${chunk.index} was already received`);
    if (chunk.index >= this.firstMissing + this.reorderWindow) {
      return fail(
        'out_of_order',
        `chunk ${chunk.index} is too far ahead: chunk ${this.firstMissing} is still missing (window ${this.reorderWindow})`,
      );
    }
    // Only now, with the chunk accepted, does any state change.
    this.ref = ref;
    const received = (this.received ??= new Uint8Array(ref.chunkCount));
    if (this.target === undefined && this.options.wholeAtFirstChunk)
      this.target = new Uint8Array(ref.totalBytes);
    const into = this.target;
    if (into?.byteLength === ref.totalBytes) into.set(chunk.data, chunk.index * ref.chunkBytes);
    else this.chunks.set(chunk.index, ownBytes(chunk.data));
    this.heldBytes += chunk.data.byteLength;
    received[chunk.index] = 1;
    this.receivedCount += 1;
    while (this.firstMissing < ref.chunkCount && received[this.firstMissing] === 1) this.firstMissing += 1;
    return {
      ok: true,
      data: { transferId: ref.transferId, received: this.receivedCount, complete: this.complete },
    };
  }

  /**
   * Check completeness and (unless `verifyHash` is false) the whole-transfer hash; on success returns the bytes (once): the `into` of the
   * options when chunks went there on arrival, else `into` here when it has exactly the transfer's length (a
   * caller reusing delta-sized buffers; overwritten even when the transfer is refused), else a fresh buffer.
   */
  async finish(into?: Uint8Array): Promise<Ack<Uint8Array>> {
    const ref = this.ref;
    if (this.finished) return fail('invalid_payload', 'transfer is already finished');
    if (ref === undefined) return fail('incomplete_transfer', 'no chunk has arrived');
    if (!this.complete) {
      const missing: number[] = [];
      for (let i = 0; i < ref.chunkCount && missing.length < 10; i++)
        if (this.received?.[i] !== 1) missing.push(i);
      const more = ref.chunkCount - this.receivedCount > missing.length ? ', …' : '';
      return fail(
        'incomplete_transfer',
        `transfer ${ref.transferId} is missing ${ref.chunkCount - this.receivedCount} of ${ref.chunkCount} chunks (${missing.join(', ')}${more})`,
      );
    }
    const arrivedInto = this.target?.byteLength === ref.totalBytes ? this.target : undefined;
    const bytes =
      arrivedInto ?? (into?.byteLength === ref.totalBytes ? into : new Uint8Array(ref.totalBytes));
    for (const [index, data] of this.chunks) bytes.set(data, index * ref.chunkBytes);
    const actual = this.options.verifyHash === false ? ref.sha256 : await sha256Hex(bytes);
    if (actual !== ref.sha256) {
      return fail(
        'hash_mismatch',
        `transfer ${ref.transferId} hashes to ${actual}, but ${ref.sha256} was announced`,
      );
    }
    this.finished = true;
    this.chunks.clear();
    this.heldBytes = 0;
    return { ok: true, data: bytes };
  }

  private checkHeader(chunk: TransferChunk): Ack<TransferRef> {
    const ref: TransferRef = this.ref ?? {
      transferId: chunk.transferId,
      totalBytes: chunk.totalBytes,
      chunkBytes: chunk.chunkBytes,
      chunkCount: chunk.chunkCount,
      sha256: chunk.sha256,
    };
    for (const field of HEADER_FIELDS) {
      if (chunk[field] !== ref[field]) {
        const source = this.options.expected ? 'the announced transfer' : 'earlier chunks';
        return fail(
          'invalid_payload',
          `chunk ${chunk.index}: ${field} is ${chunk[field]} but ${source} said ${ref[field]}`,
        );
      }
    }
    if (ref.totalBytes > this.maxTotalBytes) {
      return fail(
        'payload_too_large',
        `transfer of ${ref.totalBytes} bytes exceeds the ${this.maxTotalBytes}-byte limit`,
      );
    }
    if (ref.chunkCount !== chunkCountFor(ref.totalBytes, ref.chunkBytes)) {
      return fail('invalid_payload', `chunkCount ${ref.chunkCount} does not match totalBytes / chunkBytes`);
    }
    return { ok: true, data: ref };
  }
}

/**
 * The chunk's bytes as a buffer of their own: a view into a larger packet is copied (so it does not pin the
 * packet), a view that is its whole buffer is kept as is, as the socket layer hands every binary message a
 * buffer of its own and never touches it again (a 512 KiB copy per chunk was measurable in bench:round).
 */
function ownBytes(data: Uint8Array): Uint8Array {
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  return whole ? data : new Uint8Array(data);
}
