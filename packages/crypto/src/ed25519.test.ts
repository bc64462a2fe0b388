import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';

import { fromHex, toHex } from './bytes.ts';
import { ed25519PublicKey, hasCanonicalS, signEd25519, verifyEd25519 } from './ed25519.ts';
import { RFC8032_ED25519 } from './fixtures/rfc8032.ts';

const L = (1n << 252n) + 27742317777372353535851937790883648493n;

/** Signature with S replaced by S + L: the same point equation, a different (non-canonical) encoding. */
function malleate(signature: Uint8Array): Uint8Array {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
  s += L;
  const out = signature.slice();
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

describe('Ed25519 known answers (RFC 8032 §7.1)', () => {
  it.each(RFC8032_ED25519)('$name: key pair, signature and verification', (v) => {
    const pair = nacl.sign.keyPair.fromSeed(fromHex(v.secretKey));
    expect(toHex(pair.publicKey)).toBe(v.publicKey);
    const signature = nacl.sign.detached(fromHex(v.message), pair.secretKey);
    expect(toHex(signature)).toBe(v.signature);
    expect(toHex(ed25519PublicKey(fromHex(v.secretKey)))).toBe(v.publicKey);
    expect(toHex(signEd25519(fromHex(v.message), fromHex(v.secretKey)))).toBe(v.signature);
    expect(verifyEd25519(fromHex(v.message), fromHex(v.signature), fromHex(v.publicKey))).toBe(true);
  });

  it.each(RFC8032_ED25519)('$name: any flipped bit in message, signature or key fails', (v) => {
    const message = fromHex(v.message);
    const signature = fromHex(v.signature);
    const publicKey = fromHex(v.publicKey);
    fc.assert(
      fc.property(fc.nat(64 * 8 - 1), fc.nat(32 * 8 - 1), (sigBit, keyBit) => {
        const badSig = signature.slice();
        badSig[sigBit >> 3] = badSig[sigBit >> 3]! ^ (1 << (sigBit & 7));
        expect(verifyEd25519(message, badSig, publicKey)).toBe(false);
        const badKey = publicKey.slice();
        badKey[keyBit >> 3] = badKey[keyBit >> 3]! ^ (1 << (keyBit & 7));
        expect(verifyEd25519(message, signature, badKey)).toBe(false);
      }),
      { numRuns: 40 },
    );
    expect(verifyEd25519(Uint8Array.of(...message, 0), signature, publicKey)).toBe(false);
  });

  it('refuses a non-canonical S (S + L) that tweetnacl alone would accept', () => {
    const v = RFC8032_ED25519[0];
    const malleated = malleate(fromHex(v.signature));
    expect(hasCanonicalS(malleated)).toBe(false);
    expect(nacl.sign.detached.verify(fromHex(v.message), malleated, fromHex(v.publicKey))).toBe(true);
    expect(verifyEd25519(fromHex(v.message), malleated, fromHex(v.publicKey))).toBe(false);
  });

  it('refuses signatures and keys of the wrong length instead of throwing', () => {
    const v = RFC8032_ED25519[1];
    expect(verifyEd25519(fromHex(v.message), fromHex(v.signature).subarray(1), fromHex(v.publicKey))).toBe(
      false,
    );
    expect(verifyEd25519(fromHex(v.message), fromHex(v.signature), new Uint8Array(31))).toBe(false);
  });
});

describe('Ed25519 through OpenSSL matches tweetnacl byte for byte', () => {
  it('gives the same public key and signature for any seed and message', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        (seed, message) => {
          const pair = nacl.sign.keyPair.fromSeed(seed);
          expect(toHex(ed25519PublicKey(seed))).toBe(toHex(pair.publicKey));
          const signature = signEd25519(message, seed);
          expect(toHex(signature)).toBe(toHex(nacl.sign.detached(message, pair.secretKey)));
          expect(nacl.sign.detached.verify(message, signature, pair.publicKey)).toBe(true);
          expect(verifyEd25519(message, signature, pair.publicKey)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses a seed of the wrong length with an error naming it', () => {
    expect(() => signEd25519(new Uint8Array(1), new Uint8Array(31))).toThrow(/seed must be 32 bytes, got 31/);
    expect(() => ed25519PublicKey(new Uint8Array(64))).toThrow(/seed must be 32 bytes, got 64/);
  });
});
