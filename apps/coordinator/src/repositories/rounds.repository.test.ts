import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../persistence/database.ts';
import { openDatabase } from '../persistence/database.ts';
import { CorruptColumnError } from './parse-column.ts';
import { newRound } from './round.ts';
import { RoundsRepository } from './rounds.repository.ts';

const RUN = '11111111-1111-4111-8111-111111111111';
let database: Database;
let rounds: RoundsRepository;
beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedfuse-rounds-'));
  database = await openDatabase({ sqlitePath: join(dir, 'coordinator.sqlite') });
  rounds = new RoundsRepository(database);
  await database.db
    .insertInto('runs')
    .values({ id: RUN, name: 'r', config: '{}', state: 'running', created_at: 1, committed_round: 0 })
    .execute();
});
afterEach(async () => {
  await database.close();
});

const first = () =>
  newRound({
    runId: RUN,
    number: 1,
    attempt: 0,
    selectedSites: ['a', 'b'],
    globalHash: 'g',
    startedAt: 1,
    deadlineAt: 2,
  });

describe(RoundsRepository.name, () => {
  it('reads back the round it stored, open until a change cancels it', async () => {
    const round = first();
    expect(await rounds.insertIfAbsent(round)).toBe(true);
    expect(await rounds.find(round.id)).toEqual(round);
    expect((await rounds.findOpen(RUN))?.id).toBe(round.id);
    await rounds.update(round.id, { stage: 'cancelled', cancelReason: 'deadline', finishedAt: 3 });
    expect(await rounds.findOpen(RUN)).toBeUndefined();
    // Fields the change did not name keep their stored values.
    expect(await rounds.find(round.id)).toEqual({
      ...round,
      stage: 'cancelled',
      cancelReason: 'deadline',
      finishedAt: 3,
    });
  });

  it('stores committed metrics as JSON and parses them on read', async () => {
    const round = first();
    await rounds.insertIfAbsent(round);
    const metrics = { tasks: { cancer: { auc: 0.8, numExamples: 10 } }, sites: ['a'] };
    await rounds.update(round.id, { stage: 'committed', metrics });
    expect((await rounds.listForRun(RUN)).map((r) => [r.stage, r.metrics])).toEqual([['committed', metrics]]);
  });

  it('names the corrupt column instead of handing a service a wrong value', async () => {
    const round = first();
    await rounds.insertIfAbsent(round);
    await database.db
      .updateTable('rounds')
      .set({ metrics: '{"tasks":1}' })
      .where('id', '=', round.id)
      .execute();
    await expect(rounds.find(round.id)).rejects.toThrow(CorruptColumnError);
    await expect(rounds.find(round.id)).rejects.toThrow(`rounds.metrics of ${round.id} is corrupt: tasks`);
  });
});
