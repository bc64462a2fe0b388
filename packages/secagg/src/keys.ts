import { createPrivateKey, createPublicKey } from 'node:crypto';

import { fromHex } from '@fedfuse/crypto';

/** Fills a fresh buffer of `size` bytes from a CSPRNG; injectable so tests can replay a round. */
export type RandomBytes = (size: number) => Uint8Array;

// DER prefix of a raw 32-byte X25519 secret key (RFC 8410): node:crypto imports keys only in a container.
const PKCS8_PREFIX = fromHex('302e020100300506032b656e04220420');
const SPKI_BYTES = 44;

/** The X25519 public key of a 32-byte secret key (through OpenSSL, which clamps it as RFC 7748 says). */
export function x25519PublicKey(secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== 32)
    throw new RangeError(`X25519 secret key must be 32 bytes, got ${secretKey.length}`);
  const der = Buffer.concat([PKCS8_PREFIX, secretKey]);
  try {
    const spki = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({
      format: 'der',
      type: 'spki',
    });
    return new Uint8Array(spki.subarray(SPKI_BYTES - 32));
  } finally {
    der.fill(0);
  }
}

/** A fresh X25519 key pair for one round. */
export interface RoundKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A fresh X25519 key pair from `random`. */
export function generateKeyPair(random: RandomBytes): RoundKeyPair {
  const secretKey = random(32);
  return { secretKey, publicKey: x25519PublicKey(secretKey) };
}
