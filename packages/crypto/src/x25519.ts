import { createPrivateKey, diffieHellman } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';

import { fromHex, isAllZero } from './bytes.ts';
import { publicKeyObject } from './public-key-cache.ts';

// DER prefixes of a raw 32-byte X25519 key (RFC 8410): node:crypto imports keys only in a container format.
const PKCS8_PREFIX = fromHex('302e020100300506032b656e04220420');
const SPKI_PREFIX = fromHex('302a300506032b656e032100');

/**
 * u-coordinates of small order (and their non-canonical encodings), as blocked by libsodium: a shared secret
 * with any of them is all-zero whatever the secret key, i.e. known to everyone. Compared with the top bit
 * cleared because X25519 ignores that bit (RFC 7748 §5).
 */
export const LOW_ORDER_POINTS: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000', // 0
  '0100000000000000000000000000000000000000000000000000000000000000', // 1
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', // order 8
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', // order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p - 1
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p, i.e. 0
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p + 1, i.e. 1
].map(fromHex);

/** True when `publicKey` (top bit ignored) is one of LOW_ORDER_POINTS. */
export function isLowOrderPoint(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  let found = 0;
  for (const point of LOW_ORDER_POINTS) {
    let diff = 0;
    for (let i = 0; i < 31; i++) diff |= publicKey[i]! ^ point[i]!;
    diff |= (publicKey[31]! & 0x7f) ^ point[31]!;
    found |= diff === 0 ? 1 : 0;
  }
  return found === 1;
}

/** Why `publicKey` is unusable as an X25519 box key, or undefined when it is fine. */
export function boxKeyProblem(publicKey: Uint8Array): string | undefined {
  if (publicKey.length !== nacl.box.publicKeyLength)
    return `X25519 public key must be 32 bytes, got ${publicKey.length}`;
  if (isLowOrderPoint(publicKey)) return 'X25519 public key is a low-order point';
  return undefined;
}

/**
 * X25519(secretKey, publicKey) through OpenSSL (node:crypto; ~4× tweetnacl's scalarMult here), refusing
 * low-order keys up front and an all-zero result, so a secret known to everyone never keys anything.
 */
export function x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const problem = boxKeyProblem(publicKey);
  if (problem) throw new RangeError(problem);
  return x25519Agreement(secretKey)(publicKey);
}

/**
 * X25519 of one secret key with many public keys, each checked as x25519() checks it: OpenSSL imports the
 * secret once (importing a key from DER cost more than the scalar multiplication itself). The imported key
 * lives as long as the returned function: keep it for one batch of agreements (a protocol stage), no longer.
 */
export function x25519Agreement(secretKey: Uint8Array): (publicKey: Uint8Array) => Uint8Array {
  if (secretKey.length !== 32)
    throw new RangeError(`X25519 secret key must be 32 bytes, got ${secretKey.length}`);
  const der = new Uint8Array(PKCS8_PREFIX.length + 32);
  der.set(PKCS8_PREFIX);
  der.set(secretKey, PKCS8_PREFIX.length);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(der.buffer), format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
  return (publicKey) => {
    const problem = boxKeyProblem(publicKey);
    if (problem) throw new RangeError(problem);
    let shared: Uint8Array;
    try {
      shared = new Uint8Array(
        diffieHellman({
          privateKey,
          publicKey: publicKeyObject(SPKI_PREFIX, publicKey),
        }),
      );
    } catch {
      // OpenSSL fails the derivation exactly when the result would be all zero (RFC 7748 §6.1).
      throw new RangeError('X25519 shared secret is all zero (low-order public key)');
    }
    if (isAllZero(shared)) throw new RangeError('X25519 shared secret is all zero (low-order public key)');
    return shared;
  };
}

/**
 * nacl.box precomputed key for (secretKey, publicKey), after the checks x25519() makes; only version-1 sealed
 * deltas (opened for one release) still need it. The caller zeroes the returned key when done.
 */
export function boxSharedKey(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  x25519(secretKey, publicKey).fill(0);
  return nacl.box.before(publicKey, secretKey);
}
