import { describe, expect, it } from 'vitest';

import { toBase64 } from './bytes.ts';
import type { SignedChallenge } from './handshake.ts';
import {
  createChallenge,
  respondToChallenge,
  verifyChallenge,
  verifyChallengeResponse,
} from './handshake.ts';
import { Identity } from './identity.ts';
import { NonceCache } from './nonce-cache.ts';

const SITE_ID = '9a8b7c6d-5e4f-4a3b-9c1d-0e1f2a3b4c5d';
const T0 = 1_767_225_600_000;

function setup(options: { ttlMs?: number; maxEntries?: number } = {}) {
  const coordinator = Identity.generate({ role: 'coordinator', id: 'coord' });
  const site = Identity.generate({ role: 'site', id: SITE_ID });
  const nonces = new NonceCache({ maxEntries: options.maxEntries ?? 100 });
  const challenge = (now = T0) => {
    const c = createChallenge({
      coordinator,
      siteId: SITE_ID,
      protocolVersion: 1,
      nonces,
      now,
      ttlMs: options.ttlMs,
    });
    if (!c.ok) throw new Error(c.error.message);
    return c.data;
  };
  const verify = (response: SignedChallenge, now = T0 + 1000, signingKey = site.signingPublicKey) =>
    verifyChallengeResponse({
      response,
      siteSigningKey: signingKey,
      coordinatorKey: coordinator.signingPublicKey,
      protocolVersion: 1,
      nonces,
      now,
    });
  return { coordinator, site, nonces, challenge, verify };
}

describe('signed challenge handshake', () => {
  it('authenticates a site that signs a fresh challenge', () => {
    const { site, coordinator, challenge, verify } = setup();
    const c = challenge();
    const check = verifyChallenge({
      challenge: c,
      pinnedCoordinatorKey: coordinator.signingPublicKey,
      siteId: SITE_ID,
      protocolVersion: 1,
      now: T0,
    });
    expect(check.ok).toBe(true);
    expect(verify(respondToChallenge({ site, challenge: c }))).toEqual({
      ok: true,
      data: { siteId: SITE_ID },
    });
  });

  it('refuses a replayed response', () => {
    const { site, challenge, verify } = setup();
    const response = respondToChallenge({ site, challenge: challenge() });
    expect(verify(response).ok).toBe(true);
    expect(verify(response)).toMatchObject({ ok: false, error: { code: 'replayed' } });
  });

  it('refuses an expired response', () => {
    const { site, challenge, verify } = setup({ ttlMs: 30_000 });
    const response = respondToChallenge({ site, challenge: challenge() });
    expect(verify(response, T0 + 30_001)).toMatchObject({ ok: false, error: { code: 'expired' } });
  });

  it('refuses a site that extends its own expiry (the signature is fine, the nonce says otherwise)', () => {
    const { site, challenge, verify } = setup();
    const c = challenge();
    const response = respondToChallenge({ site, challenge: { ...c, expiresAt: c.expiresAt + 3_600_000 } });
    expect(verify(response)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  });

  it('refuses a nonce the coordinator never issued', () => {
    const { site, challenge, verify } = setup();
    const c = { ...challenge(), nonce: toBase64(new Uint8Array(32).fill(7)) };
    expect(verify(respondToChallenge({ site, challenge: c }))).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated', message: expect.stringContaining('not issued') as string },
    });
  });

  it('refuses a response signed by another key', () => {
    const { challenge, verify } = setup();
    const impostor = Identity.generate({ role: 'site', id: SITE_ID });
    expect(verify(respondToChallenge({ site: impostor, challenge: challenge() }))).toMatchObject({
      ok: false,
      error: { code: 'bad_signature' },
    });
  });

  it('refuses a response for another coordinator key, and a wrong protocol version', () => {
    const { site, challenge, verify } = setup();
    const other = Identity.generate({ role: 'coordinator', id: 'evil' });
    const c = challenge();
    const forOther = respondToChallenge({
      site,
      challenge: { ...c, coordinatorKey: other.publicKeys().signingKey },
    });
    expect(verify(forOther)).toMatchObject({ ok: false, error: { code: 'wrong_coordinator' } });
    const v2 = respondToChallenge({ site, challenge: { ...c, protocolVersion: 2 } });
    expect(verify(v2)).toMatchObject({ ok: false, error: { code: 'version_mismatch' } });
  });

  it('lets the site refuse a challenge from an unpinned coordinator or for another site', () => {
    const { coordinator, challenge } = setup();
    const c = challenge();
    const other = Identity.generate({ role: 'coordinator', id: 'evil' });
    const base = { challenge: c, siteId: SITE_ID, protocolVersion: 1, now: T0 };
    expect(verifyChallenge({ ...base, pinnedCoordinatorKey: other.signingPublicKey })).toMatchObject({
      ok: false,
      error: { code: 'wrong_coordinator' },
    });
    const forged = { ...c, coordinatorKey: other.publicKeys().signingKey };
    expect(
      verifyChallenge({ ...base, challenge: forged, pinnedCoordinatorKey: other.signingPublicKey }),
    ).toMatchObject({
      ok: false,
      error: { code: 'bad_signature' },
    });
    expect(
      verifyChallenge({
        ...base,
        siteId: 'someone-else',
        pinnedCoordinatorKey: coordinator.signingPublicKey,
      }),
    ).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(
      verifyChallenge({ ...base, now: T0 + 3_600_000, pinnedCoordinatorKey: coordinator.signingPublicKey }),
    ).toMatchObject({ ok: false, error: { code: 'expired' } });
  });

  it('turns malformed base64 into an invalid_payload result', () => {
    const { site, challenge, verify } = setup();
    const response = { ...respondToChallenge({ site, challenge: challenge() }), signature: 'not base64!' };
    expect(verify(response)).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  it('bounds open challenges and frees them as they expire', () => {
    const { challenge, coordinator, nonces } = setup({ maxEntries: 3, ttlMs: 1000 });
    challenge(T0);
    challenge(T0);
    challenge(T0);
    const refused = createChallenge({
      coordinator,
      siteId: SITE_ID,
      protocolVersion: 1,
      nonces,
      now: T0 + 10,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(nonces.size).toBe(3);
    expect(challenge(T0 + 1001).nonce).toBeTypeOf('string');
    expect(nonces.size).toBe(1);
  });
});
