import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateUpdate } from './validate-update.ts';
import type { SubmittedUpdate, UpdateExpectations, UpdateRejection } from './validate-update.ts';

const good: SubmittedUpdate = {
  weights: Float32Array.from([3, 4, 0]),
  numExamples: 10,
  manifestHash: 'sha256:abc',
  groupExamples: { imaging: 0, ehr: 10 },
};
const expected: UpdateExpectations = {
  expectedLength: 3,
  expectedManifestHash: 'sha256:abc',
  maxL2Norm: 5,
  groups: ['ehr', 'imaging'],
};

describe(validateUpdate.name, () => {
  it('accepts an update that meets every expectation, with the norm it computed', () => {
    expect(validateUpdate(good, expected)).toEqual({ ok: true, norm: 5 });
  });

  it.each<{ name: string; change: Partial<SubmittedUpdate>; reason: UpdateRejection; message: RegExp }>([
    {
      name: 'a zero example count',
      change: { numExamples: 0 },
      reason: 'bad_num_examples',
      message: /positive integer, got 0/,
    },
    {
      name: 'a negative example count',
      change: { numExamples: -3 },
      reason: 'bad_num_examples',
      message: /got -3/,
    },
    {
      name: 'a fractional example count',
      change: { numExamples: 2.5 },
      reason: 'bad_num_examples',
      message: /got 2.5/,
    },
    {
      name: 'a wrong length',
      change: { weights: new Float32Array(4) },
      reason: 'length_mismatch',
      message: /expected 3 weights, got 4/,
    },
    {
      name: 'another manifest',
      change: { manifestHash: 'sha256:def' },
      reason: 'manifest_mismatch',
      message: /sha256:def does not match.*sha256:abc/,
    },
    {
      name: 'no manifest',
      change: { manifestHash: undefined },
      reason: 'manifest_mismatch',
      message: /\(none\)/,
    },
    {
      name: 'an unknown group',
      change: { groupExamples: { genomics: 1 } },
      reason: 'bad_group_examples',
      message: /unknown parameter group 'genomics'/,
    },
    {
      name: 'more group examples than examples',
      change: { groupExamples: { ehr: 11 } },
      reason: 'bad_group_examples',
      message: /\[0, numExamples = 10\], got 11/,
    },
    {
      name: 'a NaN weight',
      change: { weights: Float32Array.from([1, Number.NaN, 0]) },
      reason: 'non_finite',
      message: /index 1 is NaN/,
    },
    {
      name: 'an infinite weight',
      change: { weights: Float32Array.from([1, 0, -Infinity]) },
      reason: 'non_finite',
      message: /index 2 is -Infinity/,
    },
    {
      name: 'a norm above the bound',
      change: { weights: Float32Array.from([3, 4, 1]) },
      reason: 'norm_exceeded',
      message: /is 5.09902, above the bound 5/,
    },
  ])('rejects $name', ({ change, reason, message }) => {
    const result = validateUpdate({ ...good, ...change }, expected);
    expect(result).toMatchObject({ ok: false, reason });
    expect(result.ok ? '' : result.message).toMatch(message);
  });

  it('bounds the norm of the delta when given the global weights', () => {
    const reference = Float32Array.from([3, 4, 0]);
    const far = { ...good, weights: Float32Array.from([3, 4, 6]) };
    expect(validateUpdate(good, { expectedLength: 3, maxL2Norm: 1, reference })).toEqual({
      ok: true,
      norm: 0,
    });
    expect(validateUpdate(far, { expectedLength: 3, maxL2Norm: 5, reference })).toMatchObject({
      ok: false,
      reason: 'norm_exceeded',
      message: expect.stringMatching(/update − global is 6\.00000/) as unknown,
    });
  });

  it('checks only what it is asked to check', () => {
    const bare = { weights: Float32Array.from([100, 200, 300]), numExamples: 1 };
    expect(validateUpdate(bare, { expectedLength: 3 })).toEqual({ ok: true, norm: Math.sqrt(140_000) });
  });

  it('names the first non-finite weight and gives the norm bit for bit as a per-weight loop does', () => {
    /** The check as one loop that tests each weight as it goes (the definition the fast path must match). */
    const perWeight = (weights: Float32Array, reference?: Float32Array) => {
      let squared = 0;
      for (let i = 0; i < weights.length; i++) {
        if (!Number.isFinite(weights[i]!)) return `non_finite at ${i}`;
        const d = reference === undefined ? weights[i]! : weights[i]! - reference[i]!;
        squared += d * d;
      }
      return Math.sqrt(squared);
    };
    const value = fc.oneof(
      { weight: 20, arbitrary: fc.float() },
      fc.constantFrom(Number.NaN, Infinity, -Infinity, 3.4e38, -3.4e38),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        (pairs, withReference) => {
          const weights = Float32Array.from(pairs.map(([w]) => w));
          const reference = withReference ? Float32Array.from(pairs.map(([, r]) => r)) : undefined;
          const result = validateUpdate(
            { weights, numExamples: 1 },
            { expectedLength: weights.length, ...(reference ? { reference } : {}) },
          );
          const want = perWeight(weights, reference);
          if (typeof want === 'string') {
            expect(result).toMatchObject({ ok: false, reason: 'non_finite' });
            expect(!result.ok && result.message).toContain(`index ${want.slice('non_finite at '.length)} is`);
          } else expect(result).toEqual({ ok: true, norm: want }); // NaN norms (a non-finite reference) included
        },
      ),
      { numRuns: 300 },
    );
  });

  it('throws when the reference itself has the wrong length', () => {
    expect(() => validateUpdate(good, { expectedLength: 3, reference: new Float32Array(2) })).toThrow(
      /reference has 2 weights, expected 3/,
    );
  });
});
