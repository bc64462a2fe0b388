import nacl from 'tweetnacl';

import { fromHex, isAllZero } from './bytes.ts';

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
 * X25519(secretKey, publicKey) that refuses low-order keys and an all-zero result (tweetnacl checks neither,
 * and a zero secret would make every "sealed" message readable by anyone).
 */
export function x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const problem = boxKeyProblem(publicKey);
  if (problem) throw new RangeError(problem);
  const shared = nacl.scalarMult(secretKey, publicKey);
  if (isAllZero(shared)) throw new RangeError('X25519 shared secret is all zero (low-order public key)');
  return shared;
}

/**
 * nacl.box precomputed key for (secretKey, publicKey), after the checks x25519() makes. The caller zeroes
 * the returned key when done.
 */
export function boxSharedKey(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  x25519(secretKey, publicKey).fill(0);
  return nacl.box.before(publicKey, secretKey);
}
