import { ImageDecodeError } from '../image-target.ts';

/** The sample layout an RLE frame must decode to. */
export interface RleLayout {
  rows: number;
  columns: number;
  samples: number;
  bytesPerSample: number;
}

const HEADER_BYTES = 64;
const MAX_SEGMENTS = 15;

/**
 * Decodes one DICOM RLE Lossless frame (PS3.5 Annex G) into little-endian, pixel-interleaved
 * samples. The frame starts with a 64-byte header: the segment count, then up to 15 segment
 * offsets. Each segment holds one byte plane (most significant byte of sample 0 first),
 * PackBits-encoded. Every length is checked before it is used: a corrupt stream throws.
 */
export function decodeRle(frame: Uint8Array, layout: RleLayout): Uint8Array {
  const { samples, bytesPerSample } = layout;
  const pixels = layout.rows * layout.columns;
  const segments = samples * bytesPerSample;
  if (frame.length < HEADER_BYTES) {
    throw new ImageDecodeError(`RLE frame of ${frame.length} bytes is shorter than its 64-byte header`);
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = view.getUint32(0, true);
  if (count !== segments || count > MAX_SEGMENTS) {
    throw new ImageDecodeError(
      `RLE header lists ${count} segments; ${samples} sample(s) of ${bytesPerSample} byte(s) need ${segments}`,
    );
  }
  const out = new Uint8Array(pixels * segments);
  for (let s = 0; s < count; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < count ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < HEADER_BYTES || end > frame.length || end <= start) {
      throw new ImageDecodeError(`RLE segment ${s + 1} has offsets ${start}..${end} outside the frame`);
    }
    const sample = Math.floor(s / bytesPerSample);
    const byte = bytesPerSample - 1 - (s % bytesPerSample);
    const written = unpackBits({
      src: frame.subarray(start, end),
      dst: out,
      offset: sample * bytesPerSample + byte,
      stride: segments,
      count: pixels,
    });
    if (written < pixels) {
      throw new ImageDecodeError(`RLE segment ${s + 1} decodes to ${written} of ${pixels} bytes`);
    }
  }
  return out;
}

/**
 * PackBits: a header byte n < 128 copies the next n + 1 bytes, n > 128 repeats the next byte
 * 257 - n times, 128 does nothing. Writes every `stride`-th byte of `dst`, at most `count`;
 * returns how many were written (a segment may be padded to an even length).
 */
function unpackBits(o: {
  src: Uint8Array;
  dst: Uint8Array;
  offset: number;
  stride: number;
  count: number;
}): number {
  const { src, dst, offset, stride, count } = o;
  let i = 0;
  let n = 0;
  while (n < count && i < src.length) {
    const header = src[i++] as number;
    if (header < 128) {
      const end = Math.min(i + header + 1, src.length);
      for (; i < end && n < count; i++) dst[offset + n++ * stride] = src[i] as number;
    } else if (header > 128) {
      if (i >= src.length) break;
      const value = src[i++] as number;
      for (let k = 257 - header; k > 0 && n < count; k--) dst[offset + n++ * stride] = value;
    }
  }
  return n;
}
