import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MISSING_VALUES, parseNumberCell } from './values.ts';

const missing = new Set(DEFAULT_MISSING_VALUES);

describe('parseNumberCell', () => {
  it('reads decimal numbers and treats blanks and NA as missing', () => {
    expect(parseNumberCell(' 12.5 ', missing)).toEqual({ kind: 'number', value: 12.5 });
    expect(parseNumberCell('-3e2', missing)).toEqual({ kind: 'number', value: -300 });
    expect(parseNumberCell('', missing)).toEqual({ kind: 'missing' });
    expect(parseNumberCell('NA', missing)).toEqual({ kind: 'missing' });
  });

  it('refuses what Number() would wrongly accept', () => {
    for (const bad of ['0x1F', 'Infinity', '12abc', '1,5', 'abc', '-0b11']) {
      expect(parseNumberCell(bad, missing)).toEqual({ kind: 'invalid' });
    }
  });

  it('round-trips every finite double written by String()', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const cell = parseNumberCell(String(v), missing);
        expect(cell).toEqual({ kind: 'number', value: v === 0 ? 0 : v });
      }),
    );
  });
});
