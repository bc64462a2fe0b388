import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

// OpenSSL's import of a raw public key (wrapped as SPKI DER) cost about as much as an X25519 agreement and
// a third of an Ed25519 verification; a round of secure aggregation verifies and agrees with the same few
// dozen roster and round keys again and again. Public keys only: nothing secret is ever kept here.
const MAX_ENTRIES = 512;
const cache = new Map<string, KeyObject>();

/** The OpenSSL key for `raw` under the SPKI DER `prefix` of its algorithm, imported once and kept (bounded, oldest out). */
export function publicKeyObject(prefix: Uint8Array, raw: Uint8Array): KeyObject {
  const der = Buffer.concat([prefix, raw]);
  const id = der.toString('base64');
  const known = cache.get(id);
  if (known) return known;
  const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(id, key);
  return key;
}
