import { describe, expect, it } from 'vitest';
import type { AuditEntry, FederationSnapshot, RoundProgress, SiteSummary } from '@fedfuse/protocol';
import {
  federationReducer,
  initialFederationState,
  needsSnapshot,
  siteCounts,
  topicsOfAudit,
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
  ...patch,
});

const snapshot: FederationSnapshot = {
  at: 1,
  protocolVersion: 1,
  sites: [site(2), site(1)],
  run: {
    runId: RUN,
    name: 'run',
    state: 'running',
    strategy: 'fedavg',
    roundsPlanned: 3,
    roundsCompleted: 0,
    startedAt: 1,
  },
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

  it('takes a snapshot whole, sites in enrollment order, and asks every page to reload', () => {
    expect(synced.sites.map((s) => s.name)).toEqual(['Site 1', 'Site 2']);
    expect(synced.versions).toEqual({ sites: 1, tokens: 1, runs: 1, runList: 1, audit: 1 });
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
    expect(needsSnapshot(synced, { type: 'audit:appended', payload: audit('run.started') })).toBe(true);
  });

  it('keeps recent activity newest first without duplicates', () => {
    const entry = audit('site.approved');
    const once = federationReducer(synced, { type: 'audit:appended', payload: entry });
    const twice = federationReducer(once, { type: 'audit:appended', payload: entry });
    expect(twice.activity).toEqual([entry]);
    expect(twice.versions.sites).toBe(synced.versions.sites + 1);
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

describe('topicsOfAudit', () => {
  it('maps actions to the views they change', () => {
    expect(topicsOfAudit('site.enrolled')).toEqual(['audit', 'sites', 'tokens']);
    expect(topicsOfAudit('run.started')).toEqual(['audit', 'runs', 'runList']);
    expect(topicsOfAudit('round.update_rejected')).toEqual(['audit', 'runs', 'sites']);
  });
});
