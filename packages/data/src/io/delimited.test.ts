import { describe, expect, it } from 'vitest';
import { detectDelimiter, parseColumnName } from './delimited.ts';

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
