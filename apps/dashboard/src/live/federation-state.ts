import type {
  AuditEntry,
  FederationSnapshot,
  RoundProgress,
  RunMetrics,
  RunSummary,
  SiteSummary,
} from '@fedfuse/protocol';
import type { ConnectionState, LiveEvent } from './ops-connection.ts';

/** REST-backed views that pages refetch when the matching counter moves (no polling). */
export interface Versions {
  sites: number;
  tokens: number;
  runs: number;
  /** Only the list of runs and their names (creation, state changes); not every round's progress. */
  runList: number;
  audit: number;
}

/** What the dashboard knows live: the last snapshot with every broadcast since applied to it. */
export interface FederationState {
  connection: ConnectionState;
  snapshotAt: number | null;
  sites: SiteSummary[];
  run: RunSummary | null;
  round: RoundProgress | null;
  /** Newest last; bounded. */
  metrics: RunMetrics[];
  /** Recent audit entries, newest first; bounded. */
  activity: AuditEntry[];
  versions: Versions;
  /** Broadcasts that failed validation, shown to the operator. */
  problems: string[];
  lastEventAt: number | null;
}

export type FederationAction =
  | LiveEvent
  | { type: 'connection'; state: ConnectionState }
  | { type: 'snapshot'; payload: FederationSnapshot }
  | { type: 'activity'; entries: AuditEntry[] }
  | { type: 'invalid'; event: string; message: string }
  | { type: 'dismissProblem'; index: number };

const MAX_METRICS = 500;
const MAX_ACTIVITY = 50;
const MAX_PROBLEMS = 20;

export function initialFederationState(now = Date.now()): FederationState {
  return {
    connection: { status: 'connecting', detail: null, attempt: 0, since: now },
    snapshotAt: null,
    sites: [],
    run: null,
    round: null,
    metrics: [],
    activity: [],
    versions: { sites: 0, tokens: 0, runs: 0, runList: 0, audit: 0 },
    problems: [],
    lastEventAt: null,
  };
}

function bump(versions: Versions, ...keys: (keyof Versions)[]): Versions {
  const next = { ...versions };
  for (const key of keys) next[key] += 1;
  return next;
}

/** Which REST views an audit entry may have changed. */
export function topicsOfAudit(action: string): (keyof Versions)[] {
  const topics: (keyof Versions)[] = ['audit'];
  if (action.startsWith('site.')) topics.push('sites');
  if (action === 'site.enrolled' || action.startsWith('token.')) topics.push('tokens');
  if (action.startsWith('run.') || action.startsWith('round.')) topics.push('runs');
  if (action.startsWith('run.')) topics.push('runList');
  // Rejections and committed rounds change a site's counters (updates rejected, rounds joined).
  if (action === 'round.update_rejected' || action === 'round.committed') topics.push('sites');
  return topics;
}

function upsertSite(sites: SiteSummary[], site: SiteSummary): SiteSummary[] {
  const index = sites.findIndex((s) => s.siteId === site.siteId);
  if (index < 0) return [...sites, site].sort((a, b) => a.enrolledAt - b.enrolledAt);
  return sites.map((s, i) => (i === index ? site : s));
}

/** A round's progress also tells how many rounds of its run are committed (evaluation follows the commit). */
function withProgress(run: RunSummary | null, round: RoundProgress): RunSummary | null {
  if (!run || run.runId !== round.runId) return run;
  const committed = round.stage === 'evaluate' || round.stage === 'committed';
  if (!committed || run.roundsCompleted >= round.roundNumber) return run;
  return { ...run, roundsCompleted: round.roundNumber };
}

function applySnapshot(state: FederationState, snapshot: FederationSnapshot): FederationState {
  return {
    ...state,
    snapshotAt: snapshot.at,
    sites: [...snapshot.sites].sort((a, b) => a.enrolledAt - b.enrolledAt),
    run: snapshot.run,
    round: snapshot.round,
    versions: bump(state.versions, 'sites', 'tokens', 'runs', 'runList', 'audit'),
  };
}

function applyLive(state: FederationState, event: LiveEvent): FederationState {
  switch (event.type) {
    case 'federation:synced':
      return applySnapshot(state, event.payload);
    case 'site:updated':
      return {
        ...state,
        sites: upsertSite(state.sites, event.payload),
        versions: bump(state.versions, 'sites'),
      };
    case 'round:progressed': {
      const current = !state.run || state.run.runId === event.payload.runId;
      return {
        ...state,
        round: current ? event.payload : state.round,
        run: withProgress(state.run, event.payload),
        versions: bump(state.versions, 'runs'),
      };
    }
    case 'metrics:recorded':
      return {
        ...state,
        metrics: [...state.metrics, event.payload].slice(-MAX_METRICS),
        versions: bump(state.versions, 'runs'),
      };
    case 'audit:appended':
      if (state.activity.some((e) => e.id === event.payload.id)) return state;
      return {
        ...state,
        activity: [event.payload, ...state.activity].slice(0, MAX_ACTIVITY),
        versions: bump(state.versions, ...topicsOfAudit(event.payload.action)),
      };
  }
}

export function federationReducer(state: FederationState, action: FederationAction): FederationState {
  switch (action.type) {
    case 'connection':
      return { ...state, connection: action.state };
    case 'snapshot':
      return applySnapshot(state, action.payload);
    case 'activity': {
      const known = new Set(state.activity.map((e) => e.id));
      const merged = [...state.activity, ...action.entries.filter((e) => !known.has(e.id))];
      return { ...state, activity: merged.sort((a, b) => b.at - a.at).slice(0, MAX_ACTIVITY) };
    }
    case 'invalid':
      return {
        ...state,
        problems: [...state.problems, `${action.event}: ${action.message}`].slice(-MAX_PROBLEMS),
      };
    case 'dismissProblem':
      return { ...state, problems: state.problems.filter((_, i) => i !== action.index) };
    case 'federation:synced':
    case 'site:updated':
    case 'round:progressed':
    case 'metrics:recorded':
    case 'audit:appended':
      return { ...applyLive(state, action), lastEventAt: Date.now() };
  }
}

/**
 * Whether a broadcast means the snapshot's choice of current run may be out of date: a run changed
 * state, or rounds progress for a run the dashboard does not show as current.
 */
export function needsSnapshot(state: FederationState, event: LiveEvent): boolean {
  if (event.type === 'audit:appended') return event.payload.action.startsWith('run.');
  if (event.type === 'round:progressed') return state.run?.runId !== event.payload.runId;
  return false;
}

/** Counts for the overview's health cards. */
export function siteCounts(sites: readonly SiteSummary[]) {
  const count = (status: SiteSummary['status']) => sites.filter((s) => s.status === status).length;
  return {
    connected: sites.filter((s) => s.connected && s.status === 'approved').length,
    approved: count('approved'),
    pending: count('pending'),
    suspended: count('suspended'),
    revoked: count('revoked'),
    total: sites.length,
  };
}
