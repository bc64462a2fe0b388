import { PNG } from 'pngjs';
import { ImageDecodeError, LUMA, type DecodeTarget, type DecodedSize } from './image-target.ts';

/**
 * Decodes an 8- or 16-bit grey, grey+alpha, RGB(A) or palette PNG into the target as floats
 * in [0, 1] (alpha is ignored). 16-bit samples keep their full precision.
 */
export function decodePngInto(bytes: Buffer, target: DecodeTarget): DecodedSize {
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(bytes, { skipRescale: true });
  } catch (error) {
    throw new ImageDecodeError(`unreadable PNG: ${(error as Error).message}`);
  }
  const { width, height } = png;
  // pngjs hands back RGBA; with skipRescale 16-bit data arrives as a Uint16Array.
  const data = png.data as unknown as ArrayLike<number>;
  const max = png.depth === 16 ? 65535 : (png.colorType as number) === 3 ? 255 : 2 ** png.depth - 1;
  const { data: out, offset } = target.allocate(width, height);
  const n = width * height;
  const inv = 1 / max;
  if (target.channels === 1) {
    for (let p = 0; p < n; p++) {
      const i = p * 4;
      const r = data[i] as number;
      out[offset + p] = png.color
        ? (LUMA[0] * r + LUMA[1] * (data[i + 1] as number) + LUMA[2] * (data[i + 2] as number)) * inv
        : r * inv;
    }
  } else {
    for (let p = 0; p < n; p++) {
      for (let k = 0; k < 3; k++)
        out[offset + p * 3 + k] = (data[p * 4 + (png.color ? k : 0)] as number) * inv;
    }
  }
  return { width, height };
}
