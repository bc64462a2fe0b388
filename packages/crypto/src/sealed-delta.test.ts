import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';

import { frame, fromHex } from './bytes.ts';
import { Identity, boxSecretOf } from './identity.ts';
import type { SealContext } from './sealed-delta.ts';
import { messageKeyString, openDelta, sealDelta, sealedNonce } from './sealed-delta.ts';
import { LOW_ORDER_POINTS, boxSharedKey } from './x25519.ts';

const context: SealContext = {
  siteId: '9a8b7c6d-5e4f-4a3b-9c1d-0e1f2a3b4c5d',
  roundId: '0b7e4c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d',
  stage: 'fit',
  modelHash: 'a'.repeat(64),
};

describe('sealed deltas', () => {
  const site = Identity.generate({ role: 'site', id: context.siteId });
  const coordinator = Identity.generate({ role: 'coordinator', id: 'coord' });
  const payload = nacl.randomBytes(1000);
  const { sealed, key } = sealDelta({ site, coordinatorBoxKey: coordinator.boxPublicKey, context, payload });
  const open = (overrides: Partial<Parameters<typeof openDelta>[0]> = {}) =>
    openDelta({ coordinator, siteBoxKey: site.boxPublicKey, expected: context, sealed, ...overrides });

  it('opens with the coordinator key and the sealing site key, returning payload and message key', () => {
    const res = open();
    expect(res.ok && res.data.payload).toEqual(payload);
    expect(res.ok && res.data.key).toEqual(key);
    expect(messageKeyString(key)).toBe(`${context.siteId}/${context.roundId}/fit/${key.nonce}`);
    expect(key.nonce).toMatch(/^[0-9a-f]{48}$/);
  });

  it('does not open with another coordinator key or another site key', () => {
    const otherCoordinator = Identity.generate({ role: 'coordinator', id: 'other' });
    const otherSite = Identity.generate({ role: 'site', id: context.siteId });
    expect(open({ coordinator: otherCoordinator })).toMatchObject({
      ok: false,
      error: { code: 'bad_signature' },
    });
    expect(open({ siteBoxKey: otherSite.boxPublicKey })).toMatchObject({
      ok: false,
      error: { code: 'bad_signature' },
    });
  });

  it('fails on any flipped bit', () => {
    fc.assert(
      fc.property(fc.nat(sealed.length * 8 - 1), (bit) => {
        const tampered = sealed.slice();
        tampered[bit >> 3] = tampered[bit >> 3]! ^ (1 << (bit & 7));
        expect(open({ sealed: tampered }).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['round id', { roundId: 'c5d6e7f8-0000-4000-8000-000000000000' }, 'wrong_round'],
    ['model hash', { modelHash: 'b'.repeat(64) }, 'wrong_model'],
    ['stage', { stage: 'evaluate' }, 'wrong_stage'],
    ['site id', { siteId: 'another-site' }, 'unauthenticated'],
  ] as const)('refuses a delta sealed for another %s', (_, change, code) => {
    expect(open({ expected: { ...context, ...change } })).toMatchObject({ ok: false, error: { code } });
  });

  it('binds sender and recipient inside the box (box is not key-committing)', () => {
    // A box that opens under the right (site, coordinator) key pair but whose plaintext names another
    // recipient: only the inner check can catch it, so build that message by hand.
    const third = Identity.generate({ role: 'coordinator', id: 'third' });
    const reseal = (recipient: Uint8Array, label = 'fedfuse/sealed-delta/v1') => {
      const plain = frame([
        label,
        site.boxPublicKey,
        recipient,
        context.siteId,
        context.roundId,
        'fit',
        fromHex(context.modelHash),
        payload,
      ]);
      const nonce = nacl.randomBytes(24);
      const shared = boxSharedKey(boxSecretOf(site), coordinator.boxPublicKey);
      const out = new Uint8Array([
        0x46,
        0x46,
        0x53,
        0x44,
        1,
        0,
        0,
        0,
        ...nonce,
        ...nacl.box.after(plain, nonce, shared),
      ]);
      return out;
    };
    expect(open({ sealed: reseal(coordinator.boxPublicKey) }).ok).toBe(true);
    expect(open({ sealed: reseal(third.boxPublicKey) })).toMatchObject({
      ok: false,
      error: { code: 'bad_signature', message: 'sealed delta names another sender or recipient key' },
    });
    expect(open({ sealed: reseal(coordinator.boxPublicKey, 'other/context') })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });

  it('gives every seal a fresh nonce, so retries of the same payload are distinct messages', () => {
    const again = sealDelta({ site, coordinatorBoxKey: coordinator.boxPublicKey, context, payload });
    expect(again.key.nonce).not.toBe(key.nonce);
    expect(Buffer.from(sealedNonce(again.sealed)!).toString('hex')).toBe(again.key.nonce);
  });

  it('refuses to seal to a low-order coordinator key', () => {
    for (const point of LOW_ORDER_POINTS) {
      expect(() => sealDelta({ site, coordinatorBoxKey: point, context, payload })).toThrow(/low-order/);
    }
    expect(open({ siteBoxKey: LOW_ORDER_POINTS[3]! })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });

  it('refuses non-sealed input and a truncated seal', () => {
    expect(open({ sealed: new Uint8Array(10) })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    expect(open({ sealed: sealed.subarray(0, sealed.length - 1) }).ok).toBe(false);
  });

  it('refuses an invalid context when sealing', () => {
    expect(() =>
      sealDelta({
        site,
        coordinatorBoxKey: coordinator.boxPublicKey,
        context: { ...context, modelHash: 'nope' },
        payload,
      }),
    ).toThrow('modelHash must be a lower-case hex SHA-256 digest');
  });
});
