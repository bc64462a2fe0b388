import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';

import { fromHex } from './bytes.ts';
import { publicKeyObject } from './public-key-cache.ts';

// Ed25519 through OpenSSL (node:crypto): RFC 8032 signatures are deterministic, so they are byte-identical
// to tweetnacl's, at a fraction of the CPU (tweetnacl's scalar multiplication was the round's hot spot).
// DER prefixes of a raw 32-byte Ed25519 key (RFC 8410): node:crypto imports keys only in a container format.
const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
const SPKI_PREFIX = fromHex('302a300506032b6570032100');
const KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

/** Order of the Ed25519 base point, L = 2^252 + 27742317777372353535851937790883648493. */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** True when the signature's S half is a canonical scalar (S < L), as RFC 8032 §5.1.7 requires. */
export function hasCanonicalS(signature: Uint8Array): boolean {
  return signature.length === SIGNATURE_BYTES && littleEndianToBigInt(signature.subarray(32)) < L;
}

/** Runs `use` with the OpenSSL key for `seed`; the DER copy of the seed is wiped afterwards. */
function withPrivateKey<T>(seed: Uint8Array, use: (key: ReturnType<typeof createPrivateKey>) => T): T {
  if (seed.length !== KEY_BYTES) throw new RangeError(`Ed25519 seed must be 32 bytes, got ${seed.length}`);
  const der = Buffer.alloc(PKCS8_PREFIX.length + KEY_BYTES);
  der.set(PKCS8_PREFIX);
  der.set(seed, PKCS8_PREFIX.length);
  try {
    return use(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  } finally {
    der.fill(0);
  }
}

/** The Ed25519 public key of a 32-byte seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  const spki = withPrivateKey(seed, (key) => createPublicKey(key).export({ format: 'der', type: 'spki' }));
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
}

/** Detached Ed25519 signature over `message` with the key of a 32-byte seed. */
export function signEd25519(message: Uint8Array, seed: Uint8Array): Uint8Array {
  return new Uint8Array(withPrivateKey(seed, (key) => sign(null, message, key)));
}

/**
 * Verify an Ed25519 signature strictly: sizes, then S < L (stated here rather than left to the library:
 * a non-canonical S + L is the classic malleability), then the signature itself.
 */
export function verifyEd25519(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (publicKey.length !== KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  if (!hasCanonicalS(signature)) return false;
  try {
    return verify(null, message, publicKeyObject(SPKI_PREFIX, publicKey), signature);
  } catch {
    // OpenSSL refuses to import some invalid encodings of A; such a key verifies nothing.
    return false;
  }
}
