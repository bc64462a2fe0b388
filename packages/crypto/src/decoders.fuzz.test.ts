import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { verifyEnrollment } from './enrollment.ts';
import { verifyGlobalWeights } from './global-weights.ts';
import { verifyChallengeResponse } from './handshake.ts';
import { Identity } from './identity.ts';
import { NonceCache } from './nonce-cache.ts';
import { openDelta } from './sealed-delta.ts';

// Everything these functions take can come from the network: whatever arrives, they answer with a result.
describe('crypto decoders under fuzzing', () => {
  const coordinator = Identity.generate({ role: 'coordinator', id: 'coord' });
  const site = Identity.generate({ role: 'site', id: 'site' });
  const text = fc.oneof(fc.string({ maxLength: 100 }), fc.base64String({ maxLength: 100 }));
  const fields = fc.record({ a: text, b: text, c: text, d: text, n: fc.integer(), m: fc.integer() });

  it('openDelta answers any bytes with a failed result', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (sealed) => {
        const res = openDelta({
          coordinator,
          siteBoxKey: site.boxPublicKey,
          expected: { siteId: 'site', roundId: 'r', stage: 'fit', modelHash: 'a'.repeat(64) },
          sealed,
        });
        expect(res.ok).toBe(false);
      }),
    );
  });

  it('verifyChallengeResponse answers any fields with a failed result', () => {
    fc.assert(
      fc.property(fields, (f) => {
        const res = verifyChallengeResponse({
          response: {
            siteId: 'site',
            nonce: f.a,
            coordinatorKey: f.b,
            protocolVersion: f.n,
            expiresAt: f.m,
            signature: f.c,
          },
          siteSigningKey: site.signingPublicKey,
          coordinatorKey: coordinator.signingPublicKey,
          protocolVersion: 1,
          nonces: new NonceCache(),
          now: 0,
        });
        expect(res.ok).toBe(false);
      }),
    );
  });

  it('verifyEnrollment and verifyGlobalWeights answer any fields with a failed result', () => {
    fc.assert(
      fc.property(fields, (f) => {
        const enrollment = {
          token: f.a,
          siteName: 'x',
          signingKey: f.b,
          boxKey: f.c,
          protocolVersion: f.n,
          signature: f.d,
        };
        expect(verifyEnrollment(enrollment).ok).toBe(false);
        const weights = { coordinatorKey: coordinator.signingPublicKey, signature: f.d, roundId: f.a };
        expect(verifyGlobalWeights({ ...weights, modelHash: f.b, manifestHash: f.c }).ok).toBe(false);
      }),
    );
  });
});
