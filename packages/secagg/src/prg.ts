import { createCipheriv, hkdfSync } from 'node:crypto';

import { frame } from '@fedfuse/crypto';

// Masks are AES-256-CTR keystreams under a full 256-bit key from HKDF-SHA256 (never a short seed, the
// weakness of Flower's 32-bit mask seeds). Each key masks one vector once, so the zero IV is never reused.
const ZERO_IV = new Uint8Array(16);
// 256 KiB chunks: a quarter of the calls into OpenSSL that 64 KiB took, still far from a vector-sized buffer.
const CHUNK_BYTES = 256 * 1024;
const ZEROS = new Uint8Array(CHUNK_BYTES);

/** HKDF-SHA256(ikm, salt = session id, info = frame(label…)) → a 32-byte mask key. */
export function deriveMaskKey(ikm: Uint8Array, sessionId: Uint8Array, info: readonly string[]): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, sessionId, frame(info), 32));
}

/**
 * Add (sign 1) or subtract (sign −1) the mask keyed by `key` to `target`, mod 2^32 (Uint32Array stores wrap).
 * The keystream is read in 256 KiB chunks so no vector-sized mask is ever allocated; each chunk is read as
 * words through a view (no copy) and added into a view of the target's matching slice.
 */
export function addMask(target: Uint32Array, key: Uint8Array, sign: 1 | -1): void {
  const cipher = createCipheriv('aes-256-ctr', key, ZERO_IV);
  const words = CHUNK_BYTES / 4;
  for (let from = 0; from < target.length; from += words) {
    const count = Math.min(words, target.length - from);
    const stream = cipher.update(ZEROS.subarray(0, count * 4));
    const mask =
      stream.byteOffset % 4 === 0
        ? new Uint32Array(stream.buffer, stream.byteOffset, count)
        : new Uint32Array(new Uint8Array(stream).buffer, 0, count);
    const slice = target.subarray(from, from + count);
    if (sign === 1) for (let i = 0; i < count; i++) slice[i] = slice[i]! + mask[i]!;
    else for (let i = 0; i < count; i++) slice[i] = slice[i]! - mask[i]!;
  }
}
