import { PNG } from 'pngjs';

/** An HWC float image in [0, 1] to encode. */
export interface EncodePngOptions {
  data: Float32Array;
  width: number;
  height: number;
  channels: 1 | 3;
  bitDepth: 8 | 16;
}

/** Encodes a [0, 1] float image as a grey or RGB PNG of 8 or 16 bits (values clamped, rounded). */
export function encodePng(o: EncodePngOptions): Buffer {
  const n = o.width * o.height * o.channels;
  const max = o.bitDepth === 16 ? 65535 : 255;
  const colorType = o.channels === 3 ? 2 : 0;
  // pngjs reads 16-bit input through a Uint16Array over the whole buffer, so give it its own.
  const samples = o.bitDepth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = o.data[i] as number;
    samples[i] = Math.round((v < 0 ? 0 : v > 1 ? 1 : v) * max);
  }
  const png = new PNG({
    width: o.width,
    height: o.height,
    bitDepth: o.bitDepth,
    colorType,
    inputColorType: colorType,
    inputHasAlpha: false,
  });
  png.data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return PNG.sync.write(png, {
    bitDepth: o.bitDepth,
    colorType,
    inputColorType: colorType,
    inputHasAlpha: false,
  });
}
