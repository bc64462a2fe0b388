import type { Selectable } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { RoundsTable } from '../persistence/schema.ts';
import { CorruptColumnError } from './parse-column.ts';
import { newRound, toRound, toRoundColumns, toRoundRow } from './round.ts';

const stored = newRound({
  id: 'round-1',
  runId: 'run-1',
  number: 1,
  attempt: 0,
  selectedSites: ['a', 'b'],
  globalHash: 'g',
  startedAt: 1,
  deadlineAt: 2,
});
const row = (change: Partial<Selectable<RoundsTable>>) =>
  ({ ...toRoundRow(stored), ...change }) as Selectable<RoundsTable>;

describe('Round', () => {
  it('starts in fit with nothing committed, and survives the trip through its row', () => {
    expect(stored).toMatchObject({ stage: 'fit', evaluators: [], resultHash: null, metrics: null });
    const metrics = { tasks: { cancer: { auc: 0.8, numExamples: 10 } }, sites: ['a'] };
    const committed = { ...stored, stage: 'committed' as const, evaluators: ['c'], metrics };
    expect(toRound(toRoundRow(committed) as Selectable<RoundsTable>)).toEqual(committed);
  });

  it('reads the null evaluators of a round before its commit as none', () => {
    expect(toRound(row({ evaluators: null })).evaluators).toEqual([]);
  });

  it('writes only the fields a change names', () => {
    expect(toRoundColumns({ stage: 'cancelled', cancelReason: 'deadline', failure: null })).toEqual({
      stage: 'cancelled',
      cancel_reason: 'deadline',
      failure: null,
    });
  });

  it('names the corrupt column and round instead of handing on a wrong value', () => {
    expect(() => toRound(row({ selected_sites: '{"a":1}' }))).toThrow(CorruptColumnError);
    expect(() => toRound(row({ selected_sites: '[1]' }))).toThrow(
      /^rounds\.selected_sites of round-1 is corrupt: \[0\]: /,
    );
    expect(() => toRound(row({ evaluators: '[' }))).toThrow(
      /^rounds\.evaluators of round-1 is corrupt: not JSON/,
    );
    expect(() => toRound(row({ stage: 'training' as never }))).toThrow(
      /^rounds\.stage of round-1 is corrupt: "training" is not one of fit, aggregating/,
    );
    expect(() => toRound(row({ cancel_reason: 'bored' }))).toThrow(
      /^rounds\.cancel_reason of round-1 is corrupt/,
    );
  });
});
