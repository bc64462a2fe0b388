import { afterEach, describe, expect, it, vi } from 'vitest';
import { newRound } from './repositories/round.ts';
import { RoundsRepository } from './repositories/rounds.repository.ts';
import type { Harness } from './testing/harness.ts';
import { startHarness, tinyModel } from './testing/harness.ts';
import { freshPostgres, postgresAvailable } from './testing/postgres.ts';

let harness: Harness | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await harness?.close();
  harness = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('schedules and idempotent round starts', () => {
  it('starts a run from its interval schedule exactly once, however often the schedule fires', async () => {
    // Intervals are fake (the schedule's and the round ticker's); sockets and the database keep real timers.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    harness = await startHarness();
    const run = await harness.api<{ runId: string; state: string }>('POST', '/api/runs', {
      name: 'nightly',
      rounds: 1,
      model: tinyModel,
      schedule: { intervalSeconds: 1 },
    });
    expect(run.body.state).toBe('scheduled');
    const state = async () =>
      (await harness!.api<{ state: string }>('GET', `/api/runs/${run.body.runId}`)).body.state;
    await vi.advanceTimersByTimeAsync(999);
    expect(await state()).toBe('scheduled');
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(async () => expect(await state()).toBe('running'));
    // The interval fires twice more: a start of a running run is refused by its state, never repeated.
    await vi.advanceTimersByTimeAsync(2000);
    const started = await harness.api<{ subject: string }[]>('GET', '/api/audit?action=run.started');
    expect(started.body.filter((e) => e.subject === run.body.runId)).toHaveLength(1);
    expect((await harness.api('POST', `/api/runs/${run.body.runId}/start`)).status).toBe(409);
  });

  // The database refuses the duplicate (ON CONFLICT), in both dialects; PostgreSQL runs where it is up.
  const dialects = [
    {
      dialect: 'SQLite',
      database: () => Promise.resolve({ url: undefined, drop: () => Promise.resolve() }),
    },
    ...(postgresAvailable ? [{ dialect: 'PostgreSQL', database: freshPostgres }] : []),
  ];
  it.each(dialects)(
    'refuses a second start of the same round (a cron firing twice, or a second coordinator) on $dialect',
    async ({ database }) => {
      const db = await database();
      cleanups.push(() => db.drop());
      harness = await startHarness({ databaseUrl: db.url });
      const run = await harness.api<{ runId: string }>('POST', '/api/runs', {
        name: 'r',
        rounds: 1,
        model: tinyModel,
      });
      const rounds = harness.coordinator.app.get(RoundsRepository);
      const round = {
        runId: run.body.runId,
        number: 1,
        attempt: 0,
        selectedSites: [],
        globalHash: 'a'.repeat(64),
        startedAt: 1,
        deadlineAt: 2,
      };
      const results = await Promise.all([
        rounds.insertIfAbsent(newRound(round)),
        rounds.insertIfAbsent(newRound(round)),
      ]);
      expect(results.sort()).toEqual([false, true]);
      expect(await rounds.listForRun(run.body.runId)).toHaveLength(1);
    },
  );

  it('refuses a run configuration it cannot build, naming the field, and stores nothing', async () => {
    harness = await startHarness();
    const bad = await harness.api<{ message: string }>('POST', '/api/runs', {
      name: 'x',
      model: { ...tinyModel, imageShape: [7, 8, 1] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/imageShape/);
    const negative = await harness.api<{ message: string }>('POST', '/api/runs', { name: 'x', rounds: -1 });
    expect(negative.body.message).toMatch(/^rounds:/);
    expect((await harness.api<unknown[]>('GET', '/api/runs')).body).toEqual([]);
    expect((await harness.api('GET', '/api/runs', undefined)).status).toBe(200);
  });
});
