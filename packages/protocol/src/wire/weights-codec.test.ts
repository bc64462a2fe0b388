import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { WeightsManifest } from '../manifest.ts';
import { sampleManifest } from '../test-samples.ts';
import { swapBytes32 } from './float-bytes.ts';
import {
  decodeWeights,
  encodeManifest,
  encodeWeights,
  manifestHash,
  weightsWriter,
} from './weights-codec.ts';

/** Float32 values built from raw bit patterns, so NaN payloads are exactly what we asked for. */
function fromBits(bits: readonly number[]): Float32Array {
  return new Float32Array(new Uint32Array(bits).buffer);
}

function bitsOf(values: Float32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

function flat(n: number): WeightsManifest {
  return { dtype: 'float32', tensors: [{ name: 'w', shape: [n] }], numParams: n };
}

const SPECIAL_BITS = [
  0x7fc00000, // quiet NaN
  0x7fc00001, // quiet NaN with payload
  0x7f800001, // signalling NaN
  0xffffffff, // negative NaN, all payload bits set
  0x80000000, // -0
  0x00000000, // +0
  0x00000001, // smallest subnormal
  0x807fffff, // largest negative subnormal
  0x7f800000, // +Infinity
  0xff800000, // -Infinity
  0x7f7fffff, // largest finite
];

function decodeOk(bytes: Uint8Array) {
  const res = decodeWeights(bytes);
  if (!res.ok) throw new Error(res.error.message);
  return res.data;
}

function refusal(bytes: Uint8Array): string {
  const res = decodeWeights(bytes);
  if (res.ok) throw new Error('expected the blob to be refused');
  return res.error.message;
}

describe('weights wire format', () => {
  it('round-trips NaN payloads, -0, subnormals and infinities bit for bit', () => {
    const values = fromBits(SPECIAL_BITS);
    const decoded = decodeOk(encodeWeights({ manifest: flat(values.length), values }));
    expect(bitsOf(decoded.values)).toEqual(SPECIAL_BITS);
  });

  it('shares the bytes when asked and the floats are aligned, and copies them when they are not', () => {
    const values = fromBits(SPECIAL_BITS);
    const encoded = encodeWeights({ manifest: flat(values.length), values });
    const shared = decodeWeights(encoded, { share: true });
    if (!shared.ok) throw new Error(shared.error.message);
    expect(shared.data.values.buffer).toBe(encoded.buffer);
    expect(bitsOf(shared.data.values)).toEqual(SPECIAL_BITS);
    // The same blob one byte into a bigger buffer: the floats are misaligned, so they are copied, bit for bit.
    const shifted = new Uint8Array(encoded.length + 1);
    shifted.set(encoded, 1);
    const copied = decodeWeights(shifted.subarray(1), { share: true });
    if (!copied.ok) throw new Error(copied.error.message);
    expect(copied.data.values.buffer).not.toBe(shifted.buffer);
    expect(bitsOf(copied.data.values)).toEqual(SPECIAL_BITS);
    // Without `share`, never a view.
    expect(decodeOk(encoded).values.buffer).not.toBe(encoded.buffer);
  });

  it('round-trips arbitrary bit patterns and manifests', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 300 }),
        fc.nat(3),
        (bits, split) => {
          const cut = Math.min(split, bits.length);
          const manifest: WeightsManifest = {
            dtype: 'float32',
            tensors: [
              { name: 'encoder/kernel', shape: [cut] },
              { name: 'head/bias', shape: [1, bits.length - cut] },
            ],
            numParams: bits.length,
          };
          const decoded = decodeOk(encodeWeights({ manifest, values: fromBits(bits) }));
          expect(bitsOf(decoded.values)).toEqual(bits);
          expect(decoded.manifest).toEqual(manifest);
        },
      ),
    );
  });

  it('encodes floats as raw little-endian bytes after an 8-byte-aligned header', () => {
    const bytes = encodeWeights({ manifest: flat(2), values: new Float32Array([1, -2]) });
    const header = encodeManifest(flat(2));
    expect(header.length % 8).toBe(0);
    expect(Array.from(bytes.subarray(header.length))).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('FFWT');
  });

  it('hashes the manifest canonically: same layout same hash, any change a new hash', async () => {
    const a = await manifestHash(sampleManifest);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await manifestHash(structuredClone(sampleManifest))).toBe(a);
    const reshaped = {
      ...sampleManifest,
      tensors: [{ name: 'dense/kernel', shape: [4, 2] }, sampleManifest.tensors[1]!],
    };
    expect(await manifestHash(reshaped)).not.toBe(a);
  });

  it('writes into given memory exactly the bytes encodeWeights returns, and only into memory of that size', () => {
    const values = fromBits([...SPECIAL_BITS, 0x3f800000]);
    const weights = { manifest: flat(values.length), values };
    const writer = weightsWriter(weights);
    const into = new Uint8Array(writer.byteLength + 8).fill(0xee).subarray(4, 4 + writer.byteLength);
    writer.write(into);
    expect(Buffer.from(into).equals(Buffer.from(encodeWeights(weights)))).toBe(true);
    expect(() => writer.write(new Uint8Array(writer.byteLength - 1))).toThrow(/take \d+ bytes, got room for/);
    expect(() => weightsWriter({ manifest: flat(3), values: new Float32Array(2) })).toThrow(/declares 3/);
  });

  it('refuses to encode values that do not match the manifest', () => {
    expect(() => encodeWeights({ manifest: flat(3), values: new Float32Array(2) })).toThrow(
      'weights have 2 values but the manifest declares 3',
    );
  });

  it('refuses truncated, padded, foreign and inconsistent blobs with clear messages', () => {
    const good = encodeWeights({ manifest: sampleManifest, values: new Float32Array(10) });
    expect(refusal(good.subarray(0, good.length - 1))).toMatch(/need \d+$/);
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    expect(refusal(longer)).toContain('header + 10 float32 values need');
    const magic = good.slice();
    magic[0] = 0x47;
    expect(refusal(magic)).toContain('"FFWT" magic');
    expect(refusal(good.subarray(0, 10))).toContain('shorter than the 24-byte header');
    const version = good.slice();
    version[4] = 9;
    expect(decodeWeights(version)).toMatchObject({ ok: false, error: { code: 'version_mismatch' } });
    const params = good.slice();
    params[16] = 11; // numParams 11 while shapes add up to 10
    expect(refusal(params)).toContain('numParams is 11 but the tensor shapes add up to 10');
    const rank = good.slice();
    rank[24 + 2 + 'dense/kernel'.length] = 9;
    expect(refusal(rank)).toContain('rank 9');
  });

  it('refuses duplicate tensor names', () => {
    const dup: WeightsManifest = {
      dtype: 'float32',
      tensors: [
        { name: 'a', shape: [1] },
        { name: 'b', shape: [1] },
      ],
      numParams: 2,
    };
    const bytes = encodeWeights({ manifest: dup, values: new Float32Array(2) });
    bytes[24 + 2 + 1 + 1 + 4 + 2] = 'a'.charCodeAt(0); // rename tensor "b" to "a"
    expect(refusal(bytes)).toContain('duplicate tensor "a"');
  });

  it('never throws on random or mutated input', () => {
    const good = encodeWeights({ manifest: sampleManifest, values: new Float32Array(10) });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof decodeWeights(bytes).ok).toBe('boolean');
      }),
    );
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const mutated = good.slice();
        mutated[at] = byte;
        const res = decodeWeights(mutated);
        // A changed float byte is still a valid blob; any header change must be caught or be harmless.
        if (!res.ok) expect(res.error.message.length).toBeGreaterThan(0);
      }),
    );
  });

  it('swaps 4-byte groups for big-endian hosts', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    swapBytes32(bytes);
    expect(Array.from(bytes)).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
  });
});
