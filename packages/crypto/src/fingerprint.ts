import { sha256 } from './hash.ts';
import { toHex } from './bytes.ts';

/**
 * Human-comparable fingerprint of a key pair: SHA-256 over the Ed25519 then the X25519 public key, as 16
 * groups of 4 hex digits, read aloud by two administrators to confirm an enrollment.
 */
export function fingerprint(signingPublicKey: Uint8Array, boxPublicKey: Uint8Array): string {
  if (signingPublicKey.length !== 32 || boxPublicKey.length !== 32)
    throw new RangeError('public keys must be 32 bytes');
  const both = new Uint8Array(64);
  both.set(signingPublicKey, 0);
  both.set(boxPublicKey, 32);
  return toHex(sha256(both)).match(/.{4}/g)!.join(' ');
}
