// Wycheproof known-answer vectors (C2SP/wycheproof, vetted subsets in testdata/, see testdata/README.md) run
// against our X25519 and Ed25519 wrappers. Every vector must pass, or fall under a policy written out below.
import { readFileSync } from 'node:fs';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';

import { fromHex, toHex } from './bytes.ts';
import { verifyEd25519 } from './ed25519.ts';
import { isLowOrderPoint, x25519 } from './x25519.ts';

type WycheproofResult = 'valid' | 'invalid' | 'acceptable';

interface XdhTest {
  tcId: number;
  comment: string;
  flags: string[];
  public: string;
  private: string;
  shared: string;
  result: WycheproofResult;
}

interface EddsaTest {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig: string;
  result: WycheproofResult;
}

interface VectorFile<TGroup> {
  header: string[];
  numberOfTests: number;
  testGroups: TGroup[];
}

function load<TGroup>(name: string): VectorFile<TGroup> {
  return JSON.parse(
    readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'),
  ) as VectorFile<TGroup>;
}

const xdh = load<{ tests: XdhTest[] }>('wycheproof-x25519.json');
const xdhTests = xdh.testGroups.flatMap((group) => group.tests);
const eddsa = load<{ publicKey: { pk: string }; tests: EddsaTest[] }>('wycheproof-ed25519.json');
const eddsaTests = eddsa.testGroups.flatMap((group) =>
  group.tests.map((test) => ({ ...test, pk: group.publicKey.pk })),
);

/**
 * Our X25519 policy for a vector. 'compute': x25519() returns exactly `shared`. 'refuse': x25519() throws.
 * - valid: compute.
 * - acceptable + LowOrderPublic or ZeroSharedSecret: REFUSE. Deliberate difference from plain RFC 7748, which
 *   lets an implementation return the all-zero secret: like libsodium we refuse low-order public keys up front
 *   and any all-zero result (RFC 7748 §6.1's optional check), because a sealed delta keyed with a secret that
 *   everyone knows is not sealed.
 * - acceptable otherwise (points on the twist, non-canonical encodings, edge-case secrets): compute, with the
 *   RFC 7748 §5 semantics (top bit masked, u reduced mod p), which is what the vectors expect.
 * - invalid: refuse (none in the X25519 file, which has no invalid results).
 */
function x25519Policy(test: XdhTest): 'compute' | 'refuse' {
  if (test.result === 'valid') return 'compute';
  if (test.result === 'invalid') return 'refuse';
  return test.flags.includes('LowOrderPublic') || test.flags.includes('ZeroSharedSecret')
    ? 'refuse'
    : 'compute';
}

describe('Wycheproof X25519', () => {
  it('covers every result and the flags the policy depends on', () => {
    expect(xdhTests).toHaveLength(xdh.numberOfTests);
    const flags = new Set(xdhTests.flatMap((test) => test.flags));
    for (const flag of ['Normal', 'Ktv', 'Twist', 'LowOrderPublic', 'ZeroSharedSecret', 'NonCanonicalPublic'])
      expect(flags).toContain(flag);
  });

  it.each(xdhTests)('tcId $tcId ($result, $comment)', (test) => {
    const secret = fromHex(test.private);
    const publicKey = fromHex(test.public);
    if (x25519Policy(test) === 'compute') {
      expect(toHex(x25519(secret, publicKey))).toBe(test.shared);
      return;
    }
    expect(() => x25519(secret, publicKey)).toThrow(RangeError);
    // The refusal is policy, not a wrong computation: tweetnacl alone gives the vector's (all-zero) secret.
    expect(toHex(nacl.scalarMult(secret, publicKey))).toBe(test.shared);
  });

  it('flags exactly the low-order keys our LOW_ORDER_POINTS list blocks', () => {
    for (const test of xdhTests) {
      expect(isLowOrderPoint(fromHex(test.public)), `tcId ${test.tcId}`).toBe(
        test.flags.includes('LowOrderPublic'),
      );
    }
  });
});

describe('Wycheproof Ed25519', () => {
  it('covers valid and invalid results, and has no "acceptable" ones a policy would have to cover', () => {
    expect(eddsaTests).toHaveLength(eddsa.numberOfTests);
    expect(new Set(eddsaTests.map((test) => test.result))).toEqual(new Set(['valid', 'invalid']));
  });

  // Strict RFC 8032 verification: 'valid' verifies, 'invalid' does not. No policy exceptions.
  it.each(eddsaTests)('tcId $tcId ($result, $flags)', (test) => {
    const accepted = verifyEd25519(fromHex(test.msg), fromHex(test.sig), fromHex(test.pk));
    expect(accepted).toBe(test.result === 'valid');
  });

  it('rejects the S ≥ L signatures that tweetnacl alone accepts (why verifyEd25519 checks S < L)', () => {
    const naclOnly = eddsaTests.filter((test) => {
      const [msg, sig, pk] = [fromHex(test.msg), fromHex(test.sig), fromHex(test.pk)];
      return sig.length === 64 && nacl.sign.detached.verify(msg, sig, pk) && !verifyEd25519(msg, sig, pk);
    });
    expect(naclOnly.map((test) => test.tcId)).toEqual([63, 64, 65, 66, 85]);
  });
});
