/* eslint-disable @typescript-eslint/require-await -- the fakes keep the services' async signatures over in-memory rows */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Round } from '../repositories/round.ts';
import { newRound } from '../repositories/round.ts';
import type { UpdateRow } from '../repositories/rounds.repository.ts';
import type { Run, RunState } from '../repositories/runs.repository.ts';
import { systemClock } from './clock.ts';
import type { Cancellation } from './round-cancellation.service.ts';
import type { StartOutcome } from './round-start.service.ts';
import { RoundService } from './round.service.ts';
import { RunLocks } from './run-locks.service.ts';
import type { SiteFailure } from './site-failures.service.ts';

const T0 = Date.UTC(2026, 0, 1);
const TIMEOUT_MS = 60_000;
const RUN = 'run-1';

/**
 * The state machine with its collaborators as plain in-memory objects: the repositories keep rows, the
 * start/aggregation/evaluation/cancellation services move a round the way the real ones do, and record it.
 */
function world(o: { rounds?: number; minClients?: number; sites?: string[] } = {}) {
  const sites = o.sites ?? ['a', 'b', 'c'];
  const config = { rounds: o.rounds ?? 2, minClients: o.minClients ?? 2, roundTimeoutSeconds: 60 };
  const runs = new Map<string, Run>([
    [
      RUN,
      {
        id: RUN,
        name: 'r',
        config: config as unknown as Run['config'],
        state: 'running',
        schedule: null,
        createdAt: T0,
        startedAt: T0,
        finishedAt: null,
        committedRound: 0,
        failure: null,
      },
    ],
  ]);
  const rounds: Round[] = [];
  const updates: Pick<UpdateRow, 'round_id' | 'site_id' | 'stage'>[] = [];
  const failures: SiteFailure[] = [];
  const connected = new Set(sites);
  const calls = {
    cancelled: [] as Cancellation[],
    aggregated: [] as number[],
    evaluated: [] as number[],
    sentFit: [] as string[],
    audit: [] as string[],
    startOutcome: undefined as StartOutcome | undefined,
  };
  const update = (id: string, set: Partial<Round>) => {
    const i = rounds.findIndex((r) => r.id === id);
    rounds[i] = { ...rounds[i]!, ...set };
  };
  const repos = {
    runs: {
      find: async (id: string) => runs.get(id),
      listInState: async (state: RunState) => [...runs.values()].filter((r) => r.state === state),
      transition: async (id: string, c: { from: RunState[]; to: RunState; failure?: string }) => {
        const run = runs.get(id)!;
        if (!c.from.includes(run.state)) return false;
        runs.set(id, { ...run, state: c.to, failure: c.failure ?? run.failure });
        return true;
      },
    },
    rounds: {
      findOpen: async (runId: string) =>
        rounds.findLast((r) => r.runId === runId && ['fit', 'aggregating', 'evaluate'].includes(r.stage)),
      updatesFor: async (roundId: string, stage: string) =>
        updates.filter((u) => u.round_id === roundId && u.stage === stage),
    },
  };
  const starts = {
    start: async (run: Run): Promise<StartOutcome> => {
      if (calls.startOutcome) return calls.startOutcome;
      const round = roundOf({ number: run.committedRound + 1, selected: [...connected] });
      rounds.push(round);
      return { kind: 'started', round };
    },
  };
  const aggregation = {
    aggregate: async (run: Run, round: Round) => {
      calls.aggregated.push(round.number);
      update(round.id, {
        stage: 'evaluate',
        evaluators: [...connected],
        evaluationDeadlineAt: Date.now() + TIMEOUT_MS,
      });
      runs.set(run.id, { ...run, committedRound: round.number });
    },
  };
  const evaluation = {
    finish: async (_run: Run, round: Round) => {
      calls.evaluated.push(round.number);
      update(round.id, { stage: 'committed' });
      return { runComplete: round.number >= config.rounds, selected: null };
    },
  };
  const cancellation = {
    cancel: async (round: Round, c: Cancellation) => {
      calls.cancelled.push(c);
      update(round.id, { stage: 'cancelled', cancelReason: c.reason });
    },
  };
  const roundSites = {
    keys: async () => new Map(sites.map((s) => [s, s])),
    answered: async (roundId: string, siteId: string, stage: string) =>
      updates.some((u) => u.round_id === roundId && u.site_id === siteId && u.stage === stage),
    reachable: async (round: Round, submitted: number) =>
      submitted +
      round.selectedSites.filter(
        (s) => connected.has(s) && !updates.some((u) => u.round_id === round.id && u.site_id === s),
      ).length,
  };
  const deps = [
    repos.runs,
    repos.rounds,
    new RunLocks(),
    starts,
    aggregation,
    evaluation,
    cancellation,
    roundSites,
    { publish: async () => undefined, of: async () => undefined },
    { of: async (_roundId: string, stage: string) => failures.filter((f) => f.stage === stage) },
    {
      onSiteFailure: () => undefined,
      sendFit: (c: { siteId: string }) => calls.sentFit.push(c.siteId),
      sendEvaluate: () => undefined,
      alreadySent: () => false,
    },
    { atRound: async () => ({ values: new Float32Array(1) }) },
    { record: async (e: { action: string }) => void calls.audit.push(e.action) },
    { publish: async () => undefined },
    { onSettled: () => undefined },
    systemClock,
  ] as const;
  // Plain objects stand in for the Nest services: only the members the state machine calls exist.
  const build = () => new (RoundService as unknown as new (...args: typeof deps) => RoundService)(...deps);
  return {
    service: build(),
    /** A second coordinator over the same database: what a restart sees. */
    restart: build,
    runs,
    rounds,
    calls,
    connected,
    submit: (siteId: string, stage: 'fit' | 'evaluate' = 'fit') =>
      updates.push({ round_id: rounds.at(-1)!.id, site_id: siteId, stage }),
    fail: (siteId: string, retryable: boolean) =>
      failures.push({
        siteId,
        siteName: siteId,
        stage: 'fit',
        code: 'training_error',
        message: 'out of memory',
        retryable,
        at: Date.now(),
      }),
  };
}

function roundOf(o: { number: number; selected: string[] }): Round {
  return newRound({
    runId: RUN,
    number: o.number,
    attempt: 0,
    selectedSites: o.selected,
    globalHash: 'g',
    startedAt: Date.now(),
    deadlineAt: Date.now() + TIMEOUT_MS,
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe(RoundService.name, () => {
  it('starts a round, aggregates once every selected site submitted, evaluates, and completes the run', async () => {
    const w = world({ rounds: 1 });
    await w.service.tick();
    expect(w.rounds.map((r) => [r.number, r.stage])).toEqual([[1, 'fit']]);
    w.submit('a');
    w.submit('b');
    await w.service.tick();
    expect(w.calls.aggregated).toEqual([]);
    w.submit('c');
    await w.service.tick();
    expect(w.calls.aggregated).toEqual([1]);
    for (const site of ['a', 'b', 'c']) w.submit(site, 'evaluate');
    await w.service.tick();
    expect(w.calls.evaluated).toEqual([1]);
    expect(w.runs.get(RUN)!.state).toBe('completed');
    expect(w.calls.audit).toContain('run.completed');
  });

  it('waits for the deadline, then aggregates the updates in when they reach minClients', async () => {
    const w = world();
    await w.service.tick();
    w.submit('a');
    w.submit('b');
    vi.advanceTimersByTime(TIMEOUT_MS);
    await w.service.tick();
    expect(w.calls.aggregated).toEqual([]);
    vi.advanceTimersByTime(1);
    await w.service.tick();
    expect(w.calls.aggregated).toEqual([1]);
  });

  it('cancels with deadline when connected sites were too slow, and retries the round', async () => {
    const w = world();
    await w.service.tick();
    w.submit('a');
    vi.advanceTimersByTime(TIMEOUT_MS + 1);
    await w.service.tick();
    expect(w.calls.cancelled.map((c) => c.reason)).toEqual(['deadline']);
    expect(w.calls.cancelled[0]!.message).toMatch(/^deadline passed with 1 of 2 required updates/);
    await w.service.tick();
    expect(w.rounds.map((r) => [r.number, r.stage])).toEqual([
      [1, 'cancelled'],
      [1, 'fit'],
    ]);
  });

  it('cancels with too_few_sites when the sites left could not have reached minClients', async () => {
    const w = world();
    await w.service.tick();
    w.submit('a');
    w.connected.delete('b');
    w.connected.delete('c');
    vi.advanceTimersByTime(TIMEOUT_MS + 1);
    await w.service.tick();
    expect(w.calls.cancelled.map((c) => c.reason)).toEqual(['too_few_sites']);
  });

  it('cancels with sites_failed at once when every site answered; a failure that cannot change fails the run', async () => {
    const retryable = world();
    await retryable.service.tick();
    retryable.submit('a');
    retryable.fail('b', true);
    retryable.fail('c', true);
    await retryable.service.tick();
    expect(retryable.calls.cancelled.map((c) => c.reason)).toEqual(['sites_failed']);
    expect(retryable.runs.get(RUN)!.state).toBe('running');

    const permanent = world();
    await permanent.service.tick();
    permanent.submit('a');
    permanent.fail('b', false);
    permanent.fail('c', false);
    await permanent.service.tick();
    expect(permanent.runs.get(RUN)!.state).toBe('failed');
    expect(permanent.runs.get(RUN)!.failure).toMatch(/2 of 3 sites cannot train it/);
  });

  it('fails the run when the start service reports the round exhausted its attempts', async () => {
    const w = world();
    w.calls.startOutcome = { kind: 'exhausted', message: 'round 1 failed 3 times' };
    await w.service.tick();
    expect(w.runs.get(RUN)).toMatchObject({ state: 'failed', failure: 'round 1 failed 3 times' });
  });

  it('finishes an evaluation at its deadline without the silent sites', async () => {
    const w = world({ rounds: 2 });
    await w.service.tick();
    for (const site of ['a', 'b', 'c']) w.submit(site);
    await w.service.tick();
    w.submit('a', 'evaluate');
    await w.service.tick();
    expect(w.calls.evaluated).toEqual([]);
    vi.advanceTimersByTime(TIMEOUT_MS + 1);
    await w.service.tick();
    expect(w.calls.evaluated).toEqual([1]);
    expect(w.runs.get(RUN)!.state).toBe('running');
  });

  it('cancels a training round for the operator, but not a committed round in evaluation', async () => {
    const w = world();
    await w.service.tick();
    await w.service.cancelOpenRound(RUN, { reason: 'run_paused', message: 'paused' });
    expect(w.calls.cancelled.map((c) => c.reason)).toEqual(['run_paused']);
    await w.service.tick();
    for (const site of ['a', 'b', 'c']) w.submit(site);
    await w.service.tick();
    await w.service.cancelOpenRound(RUN, { reason: 'run_stopped', message: 'stopped' });
    expect(w.calls.cancelled).toHaveLength(1);
  });

  it('resumes after a restart where the database says: aggregation continues, instructions are resent', async () => {
    const w = world();
    await w.service.tick();
    w.submit('a');
    const restarted = w.restart();
    await restarted.resume('a');
    await restarted.resume('b');
    // a already submitted: only b is sent its instructions again.
    expect(w.calls.sentFit).toEqual(['b']);
    w.rounds[0] = { ...w.rounds[0]!, stage: 'aggregating' };
    await restarted.tick();
    expect(w.calls.aggregated).toEqual([1]);
  });

  it('ticks from the clock: a round starts when the interval fires, not before', async () => {
    const w = world();
    const timer = systemClock.every(1000, () => void w.service.tick());
    await vi.advanceTimersByTimeAsync(999);
    expect(w.rounds).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(w.rounds).toHaveLength(1);
    clearInterval(timer);
  });
});
