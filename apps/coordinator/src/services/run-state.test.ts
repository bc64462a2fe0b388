import { describe, expect, it } from 'vitest';
import type { RoundRow } from '../repositories/rounds.repository.ts';
import { CorruptColumnError } from '../repositories/parse-column.ts';
import { evaluators, selectedSites } from './run-state.ts';

const round = (o: Partial<RoundRow>) =>
  ({ id: 'round-1', selected_sites: '[]', evaluators: null, ...o }) as RoundRow;

describe('round JSON columns', () => {
  it('reads the selected sites and evaluators', () => {
    expect(selectedSites(round({ selected_sites: '["a","b"]' }))).toEqual(['a', 'b']);
    expect(evaluators(round({ evaluators: '["c"]' }))).toEqual(['c']);
    expect(evaluators(round({}))).toEqual([]);
  });

  it('names the corrupt column and round instead of handing on a wrong value', () => {
    expect(() => selectedSites(round({ selected_sites: '{"a":1}' }))).toThrow(CorruptColumnError);
    expect(() => selectedSites(round({ selected_sites: '[1]' }))).toThrow(
      /^rounds\.selected_sites of round-1 is corrupt: \[0\]: /,
    );
    expect(() => evaluators(round({ evaluators: '[' }))).toThrow(
      /^rounds\.evaluators of round-1 is corrupt: not JSON/,
    );
  });
});
