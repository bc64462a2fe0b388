import { describe, expect, it } from 'vitest';
import type { FederationSnapshot, SiteSummary } from '@fedfuse/protocol';
import { federationReducer, initialFederationState } from './federation-state.ts';
import { routesOfAudit, staleRoutes } from './stale-queries.ts';

const site = (patch: Partial<SiteSummary> = {}): SiteSummary => ({
  siteId: '00000000-0000-4000-8000-000000000101',
  name: 'Site 1',
  status: 'approved',
  connected: true,
  fingerprint: new Array(16).fill('abcd').join(' '),
  enrolledAt: 1,
  lastSeenAt: null,
  roundsJoined: 0,
  updatesRejected: 0,
  lastRejection: null,
  ...patch,
});
const snapshot: FederationSnapshot = {
  at: 1,
  protocolVersion: 1,
  sites: [site()],
  run: null,
  runs: [],
  round: null,
};
const synced = federationReducer(initialFederationState(0), { type: 'federation:synced', payload: snapshot });

describe('staleRoutes', () => {
  it('marks every view stale on a snapshot: a reconnect may have missed anything', () => {
    const routes = staleRoutes(synced, { type: 'federation:synced', payload: snapshot });
    expect(routes).toEqual(
      expect.arrayContaining(['listSites', 'listTokens', 'getRun', 'runRounds', 'auditPage']),
    );
  });

  it('reloads the sites list for a status change or a report, not for counters the broadcast carries', () => {
    const counters = site({ lastSeenAt: 50, updatesRejected: 1, roundsJoined: 2 });
    expect(staleRoutes(synced, { type: 'site:updated', payload: counters })).toEqual(['siteRejections']);
    const seen = site({ lastSeenAt: 50, roundsJoined: 2 });
    expect(staleRoutes(synced, { type: 'site:updated', payload: seen })).toEqual([]);
    const suspended = site({ status: 'suspended' });
    expect(staleRoutes(synced, { type: 'site:updated', payload: suspended })).toContain('listSites');
  });

  it('refetches rounds, checkpoints and the run (its selected round) as rounds move; nothing on run:updated', () => {
    const metrics = {
      runId: '00000000-0000-4000-8000-000000000001',
      roundId: '00000000-0000-4000-8000-000000000201',
      roundNumber: 1,
      stage: 'fit' as const,
      at: 2,
      metrics: { loss: 1 },
    };
    expect(staleRoutes(synced, { type: 'metrics:recorded', payload: metrics }).sort()).toEqual([
      'getRun',
      'runCheckpoints',
      'runRounds',
    ]);
  });
});

describe('routesOfAudit', () => {
  it('maps actions to the views they change; runs, rounds and counters have their own broadcasts', () => {
    expect(routesOfAudit('site.enrolled')).toEqual([
      'auditPage',
      'listSites',
      'siteRejections',
      'modelSpec',
      'listTokens',
    ]);
    expect(routesOfAudit('token.created')).toEqual(['auditPage', 'listTokens']);
    expect(routesOfAudit('run.started')).toEqual(['auditPage']);
  });
});
