import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dropModalities } from './dropout.ts';
import { createRng } from './rng.ts';

describe('dropModalities', () => {
  it('never drops every modality of a row that had one, and never invents one', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.constantFrom(0, 1), { minLength: 3, maxLength: 300 })
          .map((a) => a.slice(0, a.length - (a.length % 3))),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.integer(),
        (flags, keep, seed) => {
          const present = Uint8Array.from(flags);
          const out = dropModalities(present, keep, createRng(seed));
          for (let r = 0; r < present.length / 3; r++) {
            const before = present.subarray(r * 3, r * 3 + 3);
            const after = out.subarray(r * 3, r * 3 + 3);
            if (before.some((v) => v === 1)) expect(after.some((v) => v === 1)).toBe(true);
            after.forEach((v, m) => expect(v <= before[m]!).toBe(true));
          }
        },
      ),
    );
  });

  it('drops about 1 − p of the modalities when p is high enough that fallbacks are rare', () => {
    const present = new Uint8Array(30_000).fill(1);
    const out = dropModalities(present, 0.8, createRng(7));
    const kept = out.reduce((a, b) => a + b, 0) / present.length;
    expect(kept).toBeGreaterThan(0.78);
    expect(kept).toBeLessThan(0.83);
  });

  it('refuses a keep probability outside (0, 1]', () => {
    expect(() => dropModalities(new Uint8Array(3).fill(1), 0, createRng(1))).toThrow(/keep probability/);
  });
});
