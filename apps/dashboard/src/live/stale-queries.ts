import type { RestRouteName } from '@fedfuse/protocol';
import type { FederationState } from './federation-state.ts';
import { siteNeedsReload } from './federation-state.ts';
import type { LiveEvent } from './ops-connection.ts';

/** Routes a page may show; a snapshot (a (re)connect) may have missed anything, so all of them. */
const EVERY_VIEW = [
  'listSites',
  'siteRejections',
  'listTokens',
  'listRuns',
  'getRun',
  'runRounds',
  'runCheckpoints',
  'auditPage',
  'modelSpec',
] as const satisfies readonly RestRouteName[];

/** Rounds, their metrics and checkpoints move with every round step; an evaluated round may become selected. */
const ROUND_VIEWS = ['runRounds', 'runCheckpoints', 'getRun'] as const satisfies readonly RestRouteName[];

/** Which REST views an audit entry may have changed (runs and rounds arrive as their own broadcasts). */
export function routesOfAudit(action: string): RestRouteName[] {
  const routes: RestRouteName[] = ['auditPage'];
  if (action.startsWith('site.')) routes.push('listSites', 'siteRejections', 'modelSpec');
  if (action === 'site.enrolled' || action.startsWith('token.')) routes.push('listTokens');
  return routes;
}

/**
 * The REST views a broadcast makes stale, judged against the state before it is applied: the query cache
 * refetches exactly these (no polling). run:updated carries every run change itself.
 */
export function staleRoutes(state: FederationState, event: LiveEvent): RestRouteName[] {
  switch (event.type) {
    case 'federation:synced':
      return [...EVERY_VIEW];
    case 'site:updated': {
      const previous = state.sites.find((s) => s.siteId === event.payload.siteId);
      const routes: RestRouteName[] = siteNeedsReload(previous, event.payload)
        ? ['listSites', 'modelSpec']
        : [];
      // The count is in the broadcast; the list of rejections behind it is not.
      if (previous?.updatesRejected !== event.payload.updatesRejected) routes.push('siteRejections');
      return routes;
    }
    case 'run:updated':
      return [];
    case 'round:progressed':
    case 'metrics:recorded':
      return [...ROUND_VIEWS];
    case 'audit:appended':
      return routesOfAudit(event.payload.action);
  }
}
