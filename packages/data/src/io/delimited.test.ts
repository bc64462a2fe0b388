import { describe, expect, it } from 'vitest';
import { detectDelimiter, parseColumnName, splitFields } from './delimited.ts';

describe('splitFields', () => {
  it('splits plain lines on the delimiter, keeping empty cells', () => {
    expect(splitFields('a,,c,', ',')).toEqual({ ok: true, fields: ['a', '', 'c', ''] });
    expect(splitFields('a\tb', '\t')).toEqual({ ok: true, fields: ['a', 'b'] });
  });

  it('handles quoted cells with delimiters and doubled quotes', () => {
    expect(splitFields('1,"Smith, J","say ""hi""",x', ',')).toEqual({
      ok: true,
      fields: ['1', 'Smith, J', 'say "hi"', 'x'],
    });
    expect(splitFields('"a",""', ',')).toEqual({ ok: true, fields: ['a', ''] });
  });

  it('reports broken quoting instead of guessing', () => {
    expect(splitFields('1,"open', ',')).toEqual({ ok: false, reason: 'unterminated quoted field' });
    expect(splitFields('"a"b,c', ',').ok).toBe(false);
  });
});

describe('parseColumnName', () => {
  it('separates a unit in brackets from the feature name', () => {
    expect(parseColumnName(' glucose [mg/dL] ')).toEqual({ name: 'glucose', unit: 'mg/dL' });
    expect(parseColumnName('age')).toEqual({ name: 'age' });
    expect(parseColumnName('[odd]')).toEqual({ name: '[odd]' });
  });
});

describe('detectDelimiter', () => {
  it('trusts the extension, then the header', () => {
    expect(detectDelimiter('x.tsv', 'a,b')).toBe('\t');
    expect(detectDelimiter('x.csv', 'a\tb')).toBe(',');
    expect(detectDelimiter('x.txt', 'a\tb')).toBe('\t');
    expect(detectDelimiter('x.dat', 'a,b')).toBe(',');
  });
});
