import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';

import { fromHex, isAllZero, toHex } from './bytes.ts';
import { RFC7748_DH, RFC7748_ITERATED, RFC7748_SCALAR_MULT } from './fixtures/rfc7748.ts';
import {
  LOW_ORDER_POINTS,
  boxKeyProblem,
  boxSharedKey,
  isLowOrderPoint,
  x25519,
  x25519Agreement,
} from './x25519.ts';

function withTopBit(point: Uint8Array): Uint8Array {
  const p = point.slice();
  p[31] = p[31]! | 0x80;
  return p;
}

describe('X25519 known answers (RFC 7748)', () => {
  it.each(RFC7748_SCALAR_MULT)('§5.2 scalar multiplication → $output', ({ scalar, u, output }) => {
    expect(toHex(x25519(fromHex(scalar), fromHex(u)))).toBe(output);
  });

  it.each(RFC7748_ITERATED)('§5.2 iterated $iterations time(s)', ({ iterations, k: expected }) => {
    let k: Uint8Array = fromHex('09'.padEnd(64, '0'));
    let u: Uint8Array = k.slice();
    for (let i = 0; i < iterations; i++) {
      const next = nacl.scalarMult(k, u);
      u = k;
      k = next;
    }
    expect(toHex(k)).toBe(expected);
  });

  it('§6.1 Diffie-Hellman: both public keys and the shared secret', () => {
    const v = RFC7748_DH;
    expect(toHex(nacl.scalarMult.base(fromHex(v.alicePrivate)))).toBe(v.alicePublic);
    expect(toHex(nacl.scalarMult.base(fromHex(v.bobPrivate)))).toBe(v.bobPublic);
    expect(toHex(x25519(fromHex(v.alicePrivate), fromHex(v.bobPublic)))).toBe(v.shared);
    expect(toHex(x25519(fromHex(v.bobPrivate), fromHex(v.alicePublic)))).toBe(v.shared);
  });
});

describe('X25519 low-order point rejection', () => {
  const secret = nacl.randomBytes(32);
  const all = [...LOW_ORDER_POINTS, ...LOW_ORDER_POINTS.map(withTopBit)];

  it.each(all.map((p) => [toHex(p)]))('refuses %s', (hex) => {
    const point = fromHex(hex);
    expect(isLowOrderPoint(point)).toBe(true);
    expect(boxKeyProblem(point)).toBe('X25519 public key is a low-order point');
    expect(() => x25519(secret, point)).toThrow(/low-order/);
    expect(() => boxSharedKey(secret, point)).toThrow(/low-order/);
    expect(() => x25519Agreement(secret)(point)).toThrow(/low-order/);
  });

  it('x25519Agreement: one secret against many keys gives what x25519 gives for each, and still refuses', () => {
    const agree = x25519Agreement(secret);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (sk) => {
        const pk = nacl.box.keyPair.fromSecretKey(sk).publicKey;
        expect(toHex(agree(pk))).toBe(toHex(nacl.scalarMult(secret, pk)));
      }),
      { numRuns: 30 },
    );
    expect(() => agree(LOW_ORDER_POINTS[2]!)).toThrow(/low-order/);
    expect(() => agree(new Uint8Array(31))).toThrow('must be 32 bytes');
    expect(() => x25519Agreement(new Uint8Array(31))).toThrow('secret key must be 32 bytes, got 31');
  });

  it('lists only points whose shared secret really is all zero (why they are refused)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom(...all), (sk, point) => {
        expect(isAllZero(nacl.scalarMult(sk, point))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('accepts ordinary public keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (sk) => {
        const pk = nacl.box.keyPair.fromSecretKey(sk).publicKey;
        expect(boxKeyProblem(pk)).toBeUndefined();
        expect(isAllZero(x25519(secret, pk))).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses keys of the wrong size', () => {
    expect(boxKeyProblem(new Uint8Array(31))).toBe('X25519 public key must be 32 bytes, got 31');
    expect(() => x25519(secret, new Uint8Array(33))).toThrow('must be 32 bytes');
  });
});
