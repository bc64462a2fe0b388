import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findUpdateLeaks, scannableWindows } from './update-scan.ts';

/** A quantised-looking update: small signed integers as uint32 words, many distinct values. */
function quantised(length: number, seed: number): Buffer {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  const words = Int32Array.from({ length }, () => ((next() >>> 16) % 41) - 20);
  return Buffer.from(words.buffer);
}

describe(findUpdateLeaks.name, () => {
  const delta = Buffer.from(Float32Array.from({ length: 300 }, (_, i) => Math.sin(i + 1) / 100).buffer);
  const words = quantised(300, 1);
  const needles = [
    { kind: 'update (float32)' as const, label: 'A', bytes: delta },
    { kind: 'update (quantised)' as const, label: 'A', bytes: words },
  ];

  it('finds 64 bytes of either at any offset, among zero pages and random bytes', () => {
    const hay = Buffer.concat([
      Buffer.alloc(5000),
      randomBytes(333),
      delta.subarray(400, 470),
      Buffer.alloc(4096, 0xff),
      words.subarray(800, 870),
      randomBytes(7),
    ]);
    const leaks = findUpdateLeaks(needles, [{ name: 'hay', bytes: hay }]);
    expect(leaks.map((l) => [l.kind, l.offset])).toEqual([
      ['update (float32)', expect.any(Number)],
      ['update (quantised)', expect.any(Number)],
    ]);
    for (const leak of leaks) {
      const source = leak.kind === 'update (float32)' ? delta : words;
      expect(hay.subarray(leak.offset, leak.offset + 64)).toEqual(
        source.subarray(leak.window, leak.window + 64),
      );
    }
  });

  it('finds nothing in 60 bytes of it, in masked (uniform) words, or in another site’s update', () => {
    const hay = Buffer.concat([delta.subarray(0, 60), randomBytes(100_000), quantised(300, 2)]);
    expect(findUpdateLeaks(needles, [{ name: 'hay', bytes: hay }])).toEqual([]);
  });

  it('does not scan windows too uniform to mean anything (zeros, ±1 steps)', () => {
    const flat = Buffer.from(Int32Array.from({ length: 64 }, (_, i) => (i % 3) - 1).buffer);
    expect(scannableWindows(flat)).toEqual([]);
    expect(scannableWindows(words).length).toBe(300 - 16 + 1);
  });
});
