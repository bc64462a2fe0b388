import { describe, expect, it } from 'vitest';
import { ImageDecodeError } from '../image-target.ts';
import { decodeRle } from './rle-decode.ts';

/** An RLE frame: the 64-byte header (segment count and offsets) followed by the segments. */
function rleFrame(segments: number[][]): Uint8Array {
  const header = new DataView(new ArrayBuffer(64));
  header.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((segment, i) => {
    header.setUint32(4 + 4 * i, offset, true);
    offset += segment.length;
  });
  return Uint8Array.from([...new Uint8Array(header.buffer), ...segments.flat()]);
}

describe('decodeRle', () => {
  it('expands literal and repeated runs, skipping the no-op header', () => {
    // 2 literal bytes (header 1), a no-op (128), then 0x07 repeated 3 times (header 257 - 3 = 254).
    const frame = rleFrame([[1, 10, 20, 128, 254, 7]]);
    expect(Array.from(decodeRle(frame, { rows: 1, columns: 5, samples: 1, bytesPerSample: 1 }))).toEqual([
      10, 20, 7, 7, 7,
    ]);
  });

  it('puts the most significant byte plane first and writes little-endian samples', () => {
    // Samples 0x0102 and 0x0304: plane 0 holds 01 03, plane 1 holds 02 04.
    const frame = rleFrame([
      [1, 0x01, 0x03],
      [1, 0x02, 0x04],
    ]);
    const out = decodeRle(frame, { rows: 1, columns: 2, samples: 1, bytesPerSample: 2 });
    expect(Array.from(new Uint16Array(out.buffer))).toEqual([0x0102, 0x0304]);
  });

  it('interleaves colour planes pixel by pixel and ignores a segment pad byte', () => {
    const frame = rleFrame([
      [1, 255, 0, 0],
      [1, 0, 255],
      [1, 9, 8],
    ]);
    const out = decodeRle(frame, { rows: 1, columns: 2, samples: 3, bytesPerSample: 1 });
    expect(Array.from(out)).toEqual([255, 0, 9, 0, 255, 8]);
  });

  it('refuses short segments, bad offsets and a wrong segment count', () => {
    const layout = { rows: 2, columns: 2, samples: 1, bytesPerSample: 1 };
    expect(() => decodeRle(rleFrame([[1, 5, 6]]), layout)).toThrow('RLE segment 1 decodes to 2 of 4 bytes');
    expect(() => decodeRle(rleFrame([[3, 1, 2]]), layout)).toThrow('RLE segment 1 decodes to 2 of 4 bytes');
    expect(() =>
      decodeRle(
        rleFrame([
          [253, 1],
          [253, 1],
        ]),
        layout,
      ),
    ).toThrow('RLE header lists 2 segments; 1 sample(s) of 1 byte(s) need 1');
    const outside = rleFrame([[253, 1]]);
    new DataView(outside.buffer).setUint32(4, 4096, true);
    expect(() => decodeRle(outside, layout)).toThrow(
      /RLE segment 1 has offsets 4096\.\.66 outside the frame/,
    );
    expect(() => decodeRle(new Uint8Array(10), layout)).toThrow(ImageDecodeError);
  });
});
