import { describe, expect, it } from 'vitest';
import { DeltaBuffers } from './delta-buffers.ts';

describe('DeltaBuffers', () => {
  it('hands a released buffer out again, once, and only for its own size', () => {
    const buffers = new DeltaBuffers();
    const first = buffers.take(1000);
    expect(first.byteLength).toBe(1000);
    buffers.release(first);
    buffers.release(first); // twice: still handed out only once
    expect(buffers.take(1000)).toBe(first);
    expect(buffers.take(1000)).not.toBe(first);
    buffers.release(first);
    const other = buffers.take(2000); // another model size: a fresh buffer, and the old size is dropped
    expect(other.byteLength).toBe(2000);
    expect(other).not.toBe(first);
    expect(buffers.take(1000)).not.toBe(first);
  });

  it('hands out a kept buffer of the size asked for, and never allocates one for takeKept', () => {
    const buffers = new DeltaBuffers();
    expect(buffers.takeKept(1000)).toBeUndefined();
    const first = buffers.take(1000);
    buffers.release(first);
    expect(buffers.takeKept(2000)).toBeUndefined(); // another size: not handed out, and still kept
    expect(buffers.takeKept(1000)).toBe(first);
    expect(buffers.takeKept(1000)).toBeUndefined(); // handed out once only
  });

  it('keeps no view into a bigger buffer, and at most a bounded number of buffers', () => {
    const buffers = new DeltaBuffers();
    const big = new Uint8Array(2000);
    buffers.release(big.subarray(0, 1000));
    expect(buffers.take(1000).buffer).not.toBe(big.buffer);
    const released: Uint8Array[] = Array.from({ length: 20 }, () => new Uint8Array(64));
    released.forEach((b) => buffers.release(b));
    const reused = Array.from({ length: 20 }, () => buffers.take(64)).filter((b) => released.includes(b));
    expect(reused.length).toBe(8);
  });
});
