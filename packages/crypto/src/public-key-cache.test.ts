import { describe, expect, it } from 'vitest';
import nacl from 'tweetnacl';

import { fromHex, toHex } from './bytes.ts';
import { publicKeyObject } from './public-key-cache.ts';

const X25519_SPKI = fromHex('302a300506032b656e032100');
const raw = (key: ReturnType<typeof publicKeyObject>): string =>
  toHex(key.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI.length));

describe('public key cache', () => {
  it('imports a key once, tells keys apart, and drops the oldest past its bound', () => {
    const first = nacl.box.keyPair().publicKey;
    const a = publicKeyObject(X25519_SPKI, first);
    expect(publicKeyObject(X25519_SPKI, first)).toBe(a);
    expect(raw(a)).toBe(toHex(first));
    const other = nacl.box.keyPair().publicKey;
    expect(raw(publicKeyObject(X25519_SPKI, other))).toBe(toHex(other));
    for (let i = 0; i < 600; i++) publicKeyObject(X25519_SPKI, nacl.box.keyPair().publicKey);
    const again = publicKeyObject(X25519_SPKI, first);
    expect(again).not.toBe(a); // evicted and imported afresh
    expect(raw(again)).toBe(toHex(first));
  });

  it('caches nothing OpenSSL refuses to import', () => {
    const bad = new Uint8Array(31);
    expect(() => publicKeyObject(X25519_SPKI, bad)).toThrow();
    expect(() => publicKeyObject(X25519_SPKI, bad)).toThrow();
  });
});
