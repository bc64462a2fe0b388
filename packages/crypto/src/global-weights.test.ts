import { describe, expect, it } from 'vitest';

import { signGlobalWeights, verifyGlobalWeights } from './global-weights.ts';
import { Identity } from './identity.ts';

const statement = {
  roundId: '0b7e4c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d',
  modelHash: 'a'.repeat(64),
  manifestHash: 'b'.repeat(64),
};

describe('global weights signature', () => {
  const coordinator = Identity.generate({ role: 'coordinator', id: 'coord' });
  const signature = signGlobalWeights({ coordinator, ...statement });
  const coordinatorKey = coordinator.signingPublicKey;

  it('verifies under the coordinator key', () => {
    expect(verifyGlobalWeights({ coordinatorKey, signature, ...statement })).toEqual({
      ok: true,
      data: undefined,
    });
  });

  it.each([
    ['round id', { roundId: 'c5d6e7f8-0000-4000-8000-000000000000' }],
    ['model hash', { modelHash: 'c'.repeat(64) }],
    ['manifest hash', { manifestHash: 'c'.repeat(64) }],
  ])('fails for another %s', (_, change) => {
    expect(verifyGlobalWeights({ coordinatorKey, signature, ...statement, ...change })).toMatchObject({
      ok: false,
      error: { code: 'bad_signature' },
    });
  });

  it('fails under another key and on malformed input', () => {
    const other = Identity.generate({ role: 'coordinator', id: 'x' }).signingPublicKey;
    expect(verifyGlobalWeights({ coordinatorKey: other, signature, ...statement }).ok).toBe(false);
    expect(verifyGlobalWeights({ coordinatorKey, signature, ...statement, modelHash: 'XYZ' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });
});
