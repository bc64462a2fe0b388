/** Where a decoder writes pixels: it learns the size first, then asks for a destination. */
export interface DecodeTarget {
  /** Channels to produce: 1 (grey; colour becomes luma) or 3 (RGB; grey is replicated). */
  channels: 1 | 3;
  /** Returns the HWC float array (and offset) to write a width × height image into. */
  allocate(width: number, height: number): { data: Float32Array; offset: number };
}

/** Size of a decoded image. */
export interface DecodedSize {
  width: number;
  height: number;
}

/** An image read and decompressed, ready to be written into a target (synchronously). */
export interface PreparedImage {
  writeInto(target: DecodeTarget): DecodedSize;
}

/** Why an image could not be decoded; becomes a rejection of that manifest row. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

/** ITU-R BT.601 luma weights, the conventional grey conversion for medical screenshots. */
export const LUMA = [0.299, 0.587, 0.114] as const;
