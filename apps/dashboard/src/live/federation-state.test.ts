import { describe, expect, it } from 'vitest';
import type {
  AuditEntry,
  FederationSnapshot,
  RoundProgress,
  RunSummary,
  SiteSummary,
} from '@fedfuse/protocol';
import {
  federationReducer,
  initialFederationState,
  needsSnapshot,
  siteCounts,
  siteNeedsReload,
} from './federation-state.ts';

const RUN = '00000000-0000-4000-8000-000000000001';
const OTHER_RUN = '00000000-0000-4000-8000-000000000002';

const site = (n: number, patch: Partial<SiteSummary> = {}): SiteSummary => ({
  siteId: `00000000-0000-4000-8000-00000000010${n}`,
  name: `Site ${n}`,
  status: 'approved',
  connected: true,
  fingerprint: new Array(16).fill('abcd').join(' '),
  enrolledAt: n,
  lastSeenAt: null,
  roundsJoined: 0,
  updatesRejected: 0,
  lastRejection: null,
  ...patch,
});

const run = (patch: Partial<RunSummary> = {}): RunSummary => ({
  runId: RUN,
  name: 'run',
  state: 'running',
  strategy: 'fedavg',
  fusion: 'hybrid',
  tasks: ['cancer'],
  roundsPlanned: 3,
  roundsCompleted: 0,
  schedule: null,
  createdAt: 1,
  startedAt: 1,
  finishedAt: null,
  failure: null,
  ...patch,
});

const snapshot: FederationSnapshot = {
  at: 1,
  protocolVersion: 1,
  sites: [site(2), site(1)],
  run: run(),
  runs: [run()],
  round: null,
};

const progress = (patch: Partial<RoundProgress>): RoundProgress => ({
  runId: RUN,
  roundId: '00000000-0000-4000-8000-000000000201',
  roundNumber: 1,
  stage: 'fit',
  selected: 2,
  submitted: 0,
  failed: 0,
  startedAt: 1,
  deadline: 2,
  ...patch,
});

const audit = (action: string): AuditEntry => ({
  id: `00000000-0000-4000-8000-${String(action.length).padStart(12, '0')}`,
  at: 5,
  actor: { kind: 'system', id: 'system' },
  action,
  subject: null,
  outcome: 'ok',
  details: {},
});

describe('federationReducer', () => {
  const synced = federationReducer(initialFederationState(0), {
    type: 'federation:synced',
    payload: snapshot,
  });

  it('takes a snapshot whole, sites in enrollment order', () => {
    expect(synced.sites.map((s) => s.name)).toEqual(['Site 1', 'Site 2']);
  });

  it('applies a site update in place and adds new sites', () => {
    const updated = federationReducer(synced, {
      type: 'site:updated',
      payload: site(1, { status: 'suspended' }),
    });
    const added = federationReducer(updated, {
      type: 'site:updated',
      payload: site(3, { status: 'pending' }),
    });
    expect(added.sites.map((s) => [s.name, s.status])).toEqual([
      ['Site 1', 'suspended'],
      ['Site 2', 'approved'],
      ['Site 3', 'pending'],
    ]);
    expect(siteCounts(added.sites)).toEqual({
      connected: 1,
      approved: 1,
      pending: 1,
      suspended: 1,
      revoked: 0,
      total: 3,
    });
  });

  it('counts a round as completed once it is committed (evaluation follows the commit)', () => {
    const fit = federationReducer(synced, { type: 'round:progressed', payload: progress({ stage: 'fit' }) });
    expect(fit.run?.roundsCompleted).toBe(0);
    const evaluating = federationReducer(fit, {
      type: 'round:progressed',
      payload: progress({ stage: 'evaluate' }),
    });
    expect(evaluating.run?.roundsCompleted).toBe(1);
    expect(evaluating.round?.stage).toBe('evaluate');
  });

  it('keeps the current round when another run progresses, and says a snapshot is due', () => {
    const other = progress({ runId: OTHER_RUN, stage: 'evaluate' });
    const next = federationReducer(synced, { type: 'round:progressed', payload: other });
    expect(next.round).toBeNull();
    expect(needsSnapshot(synced, { type: 'round:progressed', payload: other })).toBe(true);
    expect(needsSnapshot(synced, { type: 'round:progressed', payload: progress({}) })).toBe(false);
    expect(needsSnapshot(synced, { type: 'audit:appended', payload: audit('run.started') })).toBe(false);
  });

  it('lists a run the moment it is created and follows its state without a reload', () => {
    const created = run({ runId: OTHER_RUN, name: 'new', state: 'scheduled', createdAt: 9 });
    const listed = federationReducer(synced, { type: 'run:updated', payload: created });
    expect(listed.runs.map((r) => [r.name, r.state])).toEqual([
      ['new', 'scheduled'],
      ['run', 'running'],
    ]);
    expect(listed.run?.runId).toBe(RUN);
    // The old run completes and the new one starts: it becomes the current run, with no stale round.
    const withRound = federationReducer(listed, { type: 'round:progressed', payload: progress({}) });
    const done = federationReducer(withRound, { type: 'run:updated', payload: run({ state: 'completed' }) });
    const started = federationReducer(done, {
      type: 'run:updated',
      payload: { ...created, state: 'running', startedAt: 10 },
    });
    expect(started.run).toMatchObject({ runId: OTHER_RUN, state: 'running' });
    expect(started.round).toBeNull();
    expect(started.runs).toHaveLength(2);
  });

  it('shows new site counters, last seen and the last rejection in place', () => {
    const seen = federationReducer(synced, {
      type: 'site:updated',
      payload: site(1, {
        lastSeenAt: 50,
        updatesRejected: 1,
        lastRejection: { at: 50, code: 'too_late', reason: 'closed' },
      }),
    });
    expect(seen.sites[0]).toMatchObject({ lastSeenAt: 50, updatesRejected: 1 });
  });

  it('keeps recent activity newest first without duplicates', () => {
    const entry = audit('site.approved');
    const once = federationReducer(synced, { type: 'audit:appended', payload: entry });
    const twice = federationReducer(once, { type: 'audit:appended', payload: entry });
    expect(twice.activity).toEqual([entry]);
  });

  it('records broadcasts that failed validation for the operator', () => {
    const next = federationReducer(synced, {
      type: 'invalid',
      event: 'site:updated',
      message: 'siteId: Invalid UUID',
    });
    expect(next.problems).toEqual(['site:updated: siteId: Invalid UUID']);
    expect(federationReducer(next, { type: 'dismissProblem', index: 0 }).problems).toEqual([]);
  });
});

describe('siteNeedsReload', () => {
  it('reloads details for new sites, status and connection changes, and reports; not for counters', () => {
    expect(siteNeedsReload(undefined, site(1))).toBe(true);
    expect(siteNeedsReload(site(1), site(1, { connected: false }))).toBe(true);
    expect(siteNeedsReload(site(1), site(1))).toBe(true); // nothing visible changed: a site report
    expect(siteNeedsReload(site(1), site(1, { lastSeenAt: 9, roundsJoined: 2 }))).toBe(false);
  });
});
