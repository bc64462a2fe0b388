import { describe, expect, it } from 'vitest';

import { toBase64 } from './bytes.ts';
import { signEnrollment, verifyEnrollment } from './enrollment.ts';
import { Identity } from './identity.ts';
import { LOW_ORDER_POINTS } from './x25519.ts';

describe('enrollment proof of possession', () => {
  const site = Identity.generate({ role: 'site', id: 'pending' });
  const request = signEnrollment({
    site,
    token: 'tok_0123456789abcdef',
    siteName: 'Hospital A',
    protocolVersion: 1,
  });

  it('verifies and returns the presented keys', () => {
    const res = verifyEnrollment(request);
    expect(res.ok && res.data.signingKey).toEqual(site.signingPublicKey);
    expect(res.ok && res.data.boxKey).toEqual(site.boxPublicKey);
  });

  it('fails when the token, name or a key is swapped', () => {
    const other = Identity.generate({ role: 'site', id: 'x' }).publicKeys();
    for (const change of [
      { token: 'tok_fedcba9876543210' },
      { siteName: 'Hospital B' },
      { boxKey: other.boxKey },
    ]) {
      expect(verifyEnrollment({ ...request, ...change })).toMatchObject({
        ok: false,
        error: { code: 'bad_signature' },
      });
    }
  });

  it('refuses a low-order box key', () => {
    expect(verifyEnrollment({ ...request, boxKey: toBase64(LOW_ORDER_POINTS[2]!) })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'X25519 public key is a low-order point' },
    });
  });
});
