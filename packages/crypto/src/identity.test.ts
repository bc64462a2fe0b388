import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';

import { fromHex } from './bytes.ts';
import { verifyEd25519 } from './ed25519.ts';
import { fingerprint } from './fingerprint.ts';
import { Identity, secretBufferForTest } from './identity.ts';

describe(Identity.name, () => {
  it('derives both public keys from its seeds', () => {
    const signingSeed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const boxSecretKey = nacl.randomBytes(32);
    const id = Identity.fromSeeds({ role: 'site', id: 'site-a', signingSeed, boxSecretKey });
    expect(id.signingPublicKey).toEqual(
      fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'),
    );
    expect(id.boxPublicKey).toEqual(nacl.box.keyPair.fromSecretKey(boxSecretKey).publicKey);
  });

  it('signs messages that verify under its public key', () => {
    const id = Identity.generate({ role: 'coordinator', id: 'coord' });
    const msg = new TextEncoder().encode('round 3');
    expect(verifyEd25519(msg, id.sign(msg), id.signingPublicKey)).toBe(true);
  });

  it('prints a fingerprint of 16 groups of 4 hex digits that changes with either key', () => {
    const a = Identity.generate({ role: 'site', id: 'a' });
    const b = Identity.generate({ role: 'site', id: 'b' });
    expect(a.fingerprint()).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){15}$/);
    expect(a.fingerprint()).not.toBe(b.fingerprint());
    expect(fingerprint(a.signingPublicKey, b.boxPublicKey)).not.toBe(a.fingerprint());
  });

  it('copies seeds and hands out copies of public keys', () => {
    const signingSeed = nacl.randomBytes(32);
    const id = Identity.fromSeeds({ role: 'site', id: 's', signingSeed, boxSecretKey: nacl.randomBytes(32) });
    const before = id.signingPublicKey;
    signingSeed.fill(0);
    id.signingPublicKey.fill(0);
    expect(id.signingPublicKey).toEqual(before);
  });

  it('wipes its secret keys on close and refuses any later use', () => {
    const id = Identity.generate({ role: 'site', id: 'site-a' });
    const secret = secretBufferForTest(id)!;
    expect(secret.some((b) => b !== 0)).toBe(true);
    id.close();
    expect(id.isClosed).toBe(true);
    expect(secret.length).toBe(96);
    expect(secret.every((b) => b === 0)).toBe(true);
    expect(() => id.sign(new Uint8Array(1))).toThrow('identity site:site-a is closed');
    expect(() => id.publicKeys()).toThrow(/closed/);
    expect(() => id.signingPublicKey).toThrow(/closed/);
    expect(() => id.fingerprint()).toThrow(/closed/);
    id.close(); // idempotent
    expect(secret.every((b) => b === 0)).toBe(true);
  });

  it('does not expose secrets through JSON or enumeration', () => {
    const id = Identity.generate({ role: 'site', id: 'site-a' });
    const json = JSON.stringify(id);
    expect(json).toBe('{"role":"site","id":"site-a","closed":false}');
  });

  it('refuses seeds of the wrong size', () => {
    expect(() =>
      Identity.fromSeeds({
        role: 'site',
        id: 'x',
        signingSeed: new Uint8Array(31),
        boxSecretKey: new Uint8Array(32),
      }),
    ).toThrow('Ed25519 seed must be 32 bytes, got 31');
  });
});
