import { fromBase64 } from '@fedfuse/crypto';

import { SecAggError } from './errors.ts';

/** Strict base64 of `length` bytes, or `invalid_payload` naming `what`. */
export function decodeBase64(text: string, length: number, what: string): Uint8Array {
  try {
    return fromBase64(text, length, what);
  } catch (err) {
    throw new SecAggError('invalid_payload', (err as Error).message);
  }
}

/** The words of a masked vector as little-endian bytes, for the wire (a view on little-endian hosts). */
export function wordsToBytes(words: Uint32Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

/** Little-endian bytes back to words (copied when unaligned), or `invalid_payload` when the length is wrong. */
export function bytesToWords(bytes: Uint8Array, words: number, what: string): Uint32Array {
  if (bytes.length !== words * 4)
    throw new SecAggError('invalid_payload', `${what} has ${bytes.length} bytes, expected ${words * 4}`);
  return bytes.byteOffset % 4 === 0
    ? new Uint32Array(bytes.buffer, bytes.byteOffset, words)
    : // Uint8Array.from copies: a Buffer's slice() is a view on its pool, whose .buffer is the whole pool.
      new Uint32Array(Uint8Array.from(bytes).buffer);
}
