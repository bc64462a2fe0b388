/** How many released buffers are kept: about one round's uploads at a time for a handful of sites. */
const KEPT = 8;

/**
 * Delta-sized buffers handed back after use, so each upload is reassembled into memory already mapped instead
 * of a fresh allocation (a new multi-megabyte buffer page-faults on first write and adds to the garbage
 * collector's external-memory pressure). Only buffers of one size are kept: a run's deltas all have its model's
 * size, and a buffer of another size is dropped, not kept.
 */
export class DeltaBuffers {
  private readonly free: Uint8Array[] = [];

  /** A buffer of exactly `bytes` bytes, reused when one was released; its contents are arbitrary. */
  take(bytes: number): Uint8Array {
    const reused = this.free.pop();
    if (reused?.byteLength === bytes) return reused;
    this.free.length = 0; // another size: the model changed, the kept ones are of no more use
    return new Uint8Array(bytes);
  }

  /**
   * A kept buffer of exactly `bytes` bytes, or undefined when none is kept: never a new allocation (a
   * transfer takes one at its first chunk, before it has shown it will send the rest).
   */
  takeKept(bytes: number): Uint8Array | undefined {
    if (this.free.at(-1)?.byteLength !== bytes) return undefined;
    return this.free.pop();
  }

  /**
   * Hands `buffer` back for reuse. The caller guarantees that nothing still holds a view of it: whatever it
   * held was stored, copied or dropped.
   */
  release(buffer: Uint8Array): void {
    if (buffer.byteOffset !== 0 || buffer.byteLength !== buffer.buffer.byteLength) return; // not one of ours
    if (this.free.includes(buffer)) return; // released twice: handing it out twice would share it
    if (this.free.length > 0 && this.free[0]!.byteLength !== buffer.byteLength) this.free.length = 0;
    if (this.free.length < KEPT) this.free.push(buffer);
  }
}
