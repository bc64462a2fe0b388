import type {
  AuditEntry,
  FederationSnapshot,
  RoundProgress,
  RunMetrics,
  RunSummary,
  SiteSummary,
} from '@fedfuse/protocol';
import type { ConnectionState, LiveEvent } from './ops-connection.ts';

/** What the dashboard knows live: the last snapshot with every broadcast since applied to it. */
export interface FederationState {
  connection: ConnectionState;
  snapshotAt: number | null;
  sites: SiteSummary[];
  /** The current run: running, else paused, else the newest (the coordinator's rule). */
  run: RunSummary | null;
  /** Known runs, newest first (the snapshot's, then every run:updated). */
  runs: RunSummary[];
  round: RoundProgress | null;
  /** Newest last; bounded. */
  metrics: RunMetrics[];
  /** Recent audit entries, newest first; bounded. */
  activity: AuditEntry[];
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
    runs: [],
    round: null,
    metrics: [],
    activity: [],
    problems: [],
    lastEventAt: null,
  };
}

/** Fields of a site summary that change often and need no REST reload: the broadcast carries them. */
const LIVE_SITE_FIELDS = ['lastSeenAt', 'roundsJoined', 'updatesRejected', 'lastRejection'] as const;

/**
 * Whether a site update may have changed what only GET /api/sites shows (see staleRoutes). Last-seen and counters are in
 * the broadcast; an update that changes nothing visible is a site report (backend, version, data).
 */
export function siteNeedsReload(previous: SiteSummary | undefined, next: SiteSummary): boolean {
  if (!previous) return true;
  const changed = (Object.keys(next) as (keyof SiteSummary)[]).filter(
    (key) => JSON.stringify(previous[key]) !== JSON.stringify(next[key]),
  );
  return (
    changed.length === 0 || changed.some((key) => !(LIVE_SITE_FIELDS as readonly string[]).includes(key))
  );
}

/** The run the overview shows: running, else paused, else the newest. */
function currentRun(runs: readonly RunSummary[]): RunSummary | null {
  return runs.find((r) => r.state === 'running') ?? runs.find((r) => r.state === 'paused') ?? runs[0] ?? null;
}

function upsertRun(runs: RunSummary[], run: RunSummary): RunSummary[] {
  const others = runs.filter((r) => r.runId !== run.runId);
  return [...others, run].sort((a, b) => b.createdAt - a.createdAt || a.runId.localeCompare(b.runId));
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
    runs: snapshot.runs,
    round: snapshot.round,
  };
}

function applyLive(state: FederationState, event: LiveEvent): FederationState {
  switch (event.type) {
    case 'federation:synced':
      return applySnapshot(state, event.payload);
    case 'site:updated':
      return { ...state, sites: upsertSite(state.sites, event.payload) };
    case 'run:updated': {
      const runs = upsertRun(state.runs, event.payload);
      const run = currentRun(runs);
      // A new current run has no round on screen yet; its first round:progressed brings one.
      const round = run?.runId === state.round?.runId ? state.round : null;
      return { ...state, runs, run, round };
    }
    case 'round:progressed': {
      const current = !state.run || state.run.runId === event.payload.runId;
      return {
        ...state,
        round: current ? event.payload : state.round,
        run: withProgress(state.run, event.payload),
      };
    }
    case 'metrics:recorded':
      return { ...state, metrics: [...state.metrics, event.payload].slice(-MAX_METRICS) };
    case 'audit:appended':
      if (state.activity.some((e) => e.id === event.payload.id)) return state;
      return { ...state, activity: [event.payload, ...state.activity].slice(0, MAX_ACTIVITY) };
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
    case 'run:updated':
    case 'round:progressed':
    case 'metrics:recorded':
    case 'audit:appended':
      return { ...applyLive(state, action), lastEventAt: Date.now() };
  }
}

/**
 * Whether a broadcast shows the dashboard is missing something only a snapshot brings: rounds progress
 * for a run it does not show as current (run:updated keeps the choice of current run up to date).
 */
export function needsSnapshot(state: FederationState, event: LiveEvent): boolean {
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
