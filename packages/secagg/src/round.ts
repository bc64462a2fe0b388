import { check } from './errors.ts';
import type { SecAggPlan } from './plan.ts';
import type { SecAggLayout } from './quantize.ts';
import { checkLayout } from './quantize.ts';

/** The enrolled sites' Ed25519 identity keys, by site id: whose signatures count. */
export type Roster = ReadonlyMap<string, Uint8Array>;

/** What every party of one secure-aggregation round agrees on before it starts. */
export interface SecAggRound {
  runId: string;
  roundId: string;
  /** SHA-256 (hex) of the global model the updates start from. */
  modelHash: string;
  plan: SecAggPlan;
  layout: SecAggLayout;
  roster: Roster;
}

/** Throws `invalid_config` unless the round is usable: a hex model hash, a roster of the plan's size, a valid layout. */
export function checkRound(round: SecAggRound): void {
  check(
    /^[0-9a-f]{64}$/.test(round.modelHash),
    'invalid_config',
    () => 'modelHash must be a lower-case hex SHA-256 digest',
  );
  check(
    round.roster.size === round.plan.sites,
    'invalid_config',
    () => `the roster has ${round.roster.size} sites, the plan ${round.plan.sites}`,
  );
  checkLayout(round.layout);
}

/** Throws `wrong_round` unless a message names this round. */
export function checkRoundId(round: SecAggRound, roundId: string, what: string): void {
  check(
    roundId === round.roundId,
    'wrong_round',
    () => `${what} is for round ${roundId}, not ${round.roundId}`,
  );
}

/** Throws `wrong_session` unless a message names this session. */
export function checkSession(sessionHex: string, found: string, what: string): void {
  check(
    found === sessionHex,
    'wrong_session',
    () => `${what} is for session ${found.slice(0, 16)}…, not ${sessionHex.slice(0, 16)}…`,
  );
}

/** Throws `replayed` when `ids` repeats a name. */
export function checkDistinct(ids: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const id of ids) {
    check(!seen.has(id), 'replayed', () => `${what} names ${id} twice`);
    seen.add(id);
  }
}
