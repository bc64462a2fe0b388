import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../persistence/database.ts';
import { openDatabase } from '../persistence/database.ts';
import { resolveRunConfig } from '../run-config.ts';
import { tinyModel } from '../testing/harness.ts';
import { CorruptColumnError } from './parse-column.ts';
import type { Run } from './runs.repository.ts';
import { RunsRepository } from './runs.repository.ts';

let database: Database;
let runs: RunsRepository;
beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedfuse-runs-'));
  database = await openDatabase({ sqlitePath: join(dir, 'coordinator.sqlite') });
  runs = new RunsRepository(database);
});
afterEach(async () => {
  await database.close();
});

function run(): Run {
  const resolved = resolveRunConfig({ name: 'r', model: tinyModel, schedule: { intervalSeconds: 60 } });
  if (!resolved.ok) throw new Error(resolved.message);
  return {
    id: '11111111-1111-4111-8111-111111111111',
    name: 'r',
    config: resolved.config as unknown as Run['config'],
    state: 'scheduled',
    schedule: { intervalSeconds: 60 },
    createdAt: 1,
    startedAt: null,
    finishedAt: null,
    committedRound: 0,
    failure: null,
  };
}

describe(RunsRepository.name, () => {
  it('reads back a camelCase run with its config and schedule parsed', async () => {
    await runs.insert(run());
    expect(await runs.find(run().id)).toEqual(run());
    expect(await runs.transition(run().id, { from: ['scheduled'], to: 'running', at: 5 })).toBe(true);
    expect(await runs.find(run().id)).toMatchObject({ state: 'running', startedAt: 5 });
    expect(await runs.transition(run().id, { from: ['scheduled'], to: 'running', at: 6 })).toBe(false);
  });

  it('refuses a corrupt JSON column with an error naming the table, column and run', async () => {
    await runs.insert(run());
    await database.db.updateTable('runs').set({ config: '{"name": "r", "rounds": -3}' }).execute();
    const read = runs.find(run().id);
    await expect(read).rejects.toBeInstanceOf(CorruptColumnError);
    await expect(runs.find(run().id)).rejects.toThrow(
      `runs.config of ${run().id} is corrupt: rounds: Too small: expected number to be >=1`,
    );
    await database.db.updateTable('runs').set({ schedule: 'not json' }).execute();
    await database.db
      .updateTable('runs')
      .set({ config: JSON.stringify(run().config) })
      .execute();
    await expect(runs.list()).rejects.toThrow(/runs\.schedule of .* is corrupt: not JSON/);
  });
});
