import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';

import { frame } from './bytes.ts';
import { Identity, boxSecretOf } from './identity.ts';
import type { SealContext } from './sealed-delta.ts';
import { messageKeyString, openDelta, sealDelta, sealedNonce } from './sealed-delta.ts';
import { sealV2 } from './sealed-v2.ts';
import { LOW_ORDER_POINTS, x25519 } from './x25519.ts';

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
  /** A version-2 message built by hand: the real shared secret, but chosen key-derivation inputs. */
  const handSealed = (options: { sender?: Uint8Array; bound?: Uint8Array }) => {
    const shared = x25519(boxSecretOf(site), coordinator.boxPublicKey);
    const parties = {
      shared,
      sender: options.sender ?? site.boxPublicKey,
      recipient: coordinator.boxPublicKey,
    };
    const { siteId, roundId, stage } = context;
    const bound = options.bound ?? frame([siteId, roundId, stage, new Uint8Array(32).fill(0xaa)]);
    return sealV2({ parties, bound, payload }).sealed;
  };

  it.each([0, 1, 65_535, 65_536, 65_537, 200_001])(
    'seals a payload written straight into the sealed buffer (%i bytes) so that it opens to those bytes',
    (length) => {
      const bytes = nacl.randomBytes(length);
      const writer = { byteLength: length, write: (into: Uint8Array) => into.set(bytes) };
      const written = sealDelta({
        site,
        coordinatorBoxKey: coordinator.boxPublicKey,
        context,
        payload: writer,
      });
      const copied = sealDelta({
        site,
        coordinatorBoxKey: coordinator.boxPublicKey,
        context,
        payload: bytes,
      });
      expect(written.sealed.length).toBe(copied.sealed.length);
      for (const { sealed: box } of [written, copied]) {
        const opened = openDelta({
          coordinator,
          siteBoxKey: site.boxPublicKey,
          expected: context,
          sealed: box,
        });
        expect(opened.ok && Buffer.from(opened.data.payload).equals(Buffer.from(bytes))).toBe(true);
      }
    },
  );

  it('leaves no plaintext in the sealed buffer when the payload writer throws', () => {
    let target: Uint8Array | undefined;
    const writer = {
      byteLength: 64,
      write(into: Uint8Array) {
        target = into;
        into.fill(7);
        throw new Error('encoder failed');
      },
    };
    expect(() =>
      sealDelta({ site, coordinatorBoxKey: coordinator.boxPublicKey, context, payload: writer }),
    ).toThrow('encoder failed');
    expect(target?.every((b) => b === 0)).toBe(true);
  });

  it('seals as version 2 and opens with the coordinator key and the sealing site key', () => {
    expect(sealed[4]).toBe(2);
    expect(sealed.length).toBe(32 + 4 * 4 + 36 + 36 + 3 + 32 + payload.length + 16);
    const res = open();
    expect(res.ok && res.data.payload).toEqual(payload);
    expect(res.ok && res.data.key).toEqual(key);
    expect(messageKeyString(key)).toBe(`${context.siteId}/${context.roundId}/fit/${key.nonce}`);
    expect(key.nonce).toMatch(/^[0-9a-f]{48}$/);
  });

  it('opens from a subarray of a bigger Buffer at an odd offset, leaving the input as it was', () => {
    const big = Buffer.alloc(sealed.length + 11, 0x5c);
    big.set(sealed, 7);
    const view = big.subarray(7, 7 + sealed.length);
    const res = open({ sealed: view });
    expect(res.ok && Buffer.from(res.data.payload).equals(Buffer.from(payload))).toBe(true);
    expect(Buffer.from(view).equals(Buffer.from(sealed))).toBe(true);
  });

  it('opens in place when asked: the payload is a view into the handed-over buffer, zeroed on failure', () => {
    const mine = sealed.slice();
    const res = open({ sealed: mine, inPlace: true });
    expect(res.ok && res.data.payload.buffer).toBe(mine.buffer);
    expect(res.ok && Buffer.from(res.data.payload).equals(Buffer.from(payload))).toBe(true);
    const tampered = sealed.slice();
    tampered[500] = tampered[500]! ^ 1;
    expect(open({ sealed: tampered, inPlace: true })).toMatchObject({
      ok: false,
      error: { code: 'bad_signature' },
    });
    expect(tampered.every((b) => b === 0)).toBe(true);
    const otherRound = sealed.slice();
    const expected = { ...context, roundId: 'r2' };
    expect(open({ sealed: otherRound, expected, inPlace: true })).toMatchObject({ ok: false });
    expect(otherRound.every((b) => b === 0)).toBe(true);
  });

  it('does not open with another coordinator key or another site key', () => {
    const otherCoordinator = Identity.generate({ role: 'coordinator', id: 'other' });
    const otherSite = Identity.generate({ role: 'site', id: context.siteId });
    const refused = {
      ok: false,
      error: {
        code: 'bad_signature',
        message: 'sealed delta does not open with these keys (wrong site or coordinator key, or tampered)',
      },
    };
    expect(open({ coordinator: otherCoordinator })).toMatchObject(refused);
    expect(open({ siteBoxKey: otherSite.boxPublicKey })).toMatchObject(refused);
  });

  it('fails on any flipped bit, header included', () => {
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
    ['round id', { roundId: 'r2' }, 'wrong_round', `sealed delta is for round ${context.roundId}, not r2`],
    [
      'model hash',
      { modelHash: 'b'.repeat(64) },
      'wrong_model',
      `sealed delta was computed from model ${'a'.repeat(64)}, not ${'b'.repeat(64)}`,
    ],
    ['stage', { stage: 'evaluate' }, 'wrong_stage', 'sealed delta is for stage fit, not evaluate'],
    ['site id', { siteId: 's2' }, 'unauthenticated', `sealed delta is from site ${context.siteId}, not s2`],
  ] as const)('refuses a delta sealed for another %s, naming it', (...[, change, code, message]) => {
    expect(open({ expected: { ...context, ...change } })).toMatchObject({
      ok: false,
      error: { code, message },
    });
  });

  it('binds the sender and recipient keys into the message key (GCM is not key-committing)', () => {
    expect(open({ sealed: handSealed({}) }).ok).toBe(true);
    const third = Identity.generate({ role: 'site', id: 'third' });
    expect(open({ sealed: handSealed({ sender: third.boxPublicKey }) })).toMatchObject({
      ok: false,
      error: { code: 'bad_signature' },
    });
  });

  it('refuses an authentic message whose plaintext does not frame the bound fields', () => {
    expect(open({ sealed: handSealed({ bound: new Uint8Array([0xff, 0xff, 0xff, 0xff]) }) })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'sealed delta plaintext is malformed' },
    });
  });

  it('gives every seal a fresh nonce, so retries of the same payload are distinct messages', () => {
    const again = sealDelta({ site, coordinatorBoxKey: coordinator.boxPublicKey, context, payload });
    expect(again.key.nonce).not.toBe(key.nonce);
    expect(Buffer.from(sealedNonce(again.sealed)!).toString('hex')).toBe(again.key.nonce);
  });

  it('refuses to seal to, or open from, a low-order key', () => {
    for (const point of LOW_ORDER_POINTS) {
      expect(() => sealDelta({ site, coordinatorBoxKey: point, context, payload })).toThrow(/low-order/);
    }
    expect(open({ siteBoxKey: LOW_ORDER_POINTS[3]! })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'X25519 public key is a low-order point' },
    });
  });

  const withByte = (at: number, value: number) => {
    const out = sealed.slice();
    out[at] = value;
    return out;
  };
  it.each([
    ['too short', new Uint8Array(10), 'invalid_payload', 'not a sealed delta: 10 bytes, shorter than'],
    ['bad magic', withByte(0, 0x47), 'invalid_payload', 'not a sealed delta: it does not start with "FFSD"'],
    ['unknown version', withByte(4, 3), 'version_mismatch', 'sealed delta version 3 is not supported'],
    ['reserved byte set', withByte(6, 1), 'invalid_payload', 'reserved header bytes are not zero'],
    ['truncated', sealed.subarray(0, sealed.length - 1), 'bad_signature', 'does not open with these keys'],
  ] as const)('refuses garbled input (%s) with a clear error', (...[, bytes, code, message]) => {
    const res = open({ sealed: bytes });
    expect(res).toMatchObject({ ok: false, error: { code } });
    expect(!res.ok && res.error.message).toContain(message);
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
