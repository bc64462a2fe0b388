import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dropModalities, soloModalities } from './dropout.ts';
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

describe('soloModalities', () => {
  it('at probability 1 leaves every row with one of its own modalities', () => {
    const present = Uint8Array.from([1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0]);
    const out = soloModalities(present, 1, createRng(3));
    const rows = [0, 1, 2, 3].map((r) => Array.from(out.subarray(r * 3, r * 3 + 3)));
    expect(rows.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([1, 1, 1, 0]);
    expect(rows[1]![1]).toBe(0); // never invents the absent imaging
    expect(rows[2]).toEqual([0, 1, 0]);
  });

  it('keeps each modality alone about equally often, and about p of the rows', () => {
    const present = new Uint8Array(30_000).fill(1);
    const out = soloModalities(present, 0.3, createRng(5));
    const solo = [0, 0, 0];
    let soloRows = 0;
    for (let r = 0; r < 10_000; r++) {
      const row = out.subarray(r * 3, r * 3 + 3);
      if (row.reduce((a, b) => a + b, 0) === 1) {
        soloRows++;
        solo[row.indexOf(1)]!++;
      }
    }
    expect(soloRows / 10_000).toBeGreaterThan(0.28);
    expect(soloRows / 10_000).toBeLessThan(0.32);
    for (const count of solo) expect(count / soloRows).toBeGreaterThan(0.3);
  });

  it('at probability 0 returns the flags untouched and draws no random number', () => {
    let draws = 0;
    const present = Uint8Array.from([1, 1, 1]);
    expect(soloModalities(present, 0, () => (draws++, 0.5))).toEqual(present);
    expect(draws).toBe(0);
    expect(() => soloModalities(present, 1.5, createRng(1))).toThrow(/Single-modality probability/);
  });
});
