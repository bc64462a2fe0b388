import { z } from 'zod';

import { EpochMs, RoundStage, Uuid, text } from './primitives.ts';

/** Where a site stands with the operator. */
export const SiteStatus = z.enum(['pending', 'approved', 'suspended', 'revoked']);
export type SiteStatus = z.infer<typeof SiteStatus>;

/** Lifecycle of a training run. */
export const RunState = z.enum(['scheduled', 'running', 'paused', 'stopped', 'completed', 'failed']);
export type RunState = z.infer<typeof RunState>;

/** The run a site is part of, as the site needs to know it. */
export const SiteRunView = z.object({ runId: Uuid, name: text(200), state: RunState });
export type SiteRunView = z.infer<typeof SiteRunView>;

/** The current round, from this site's point of view. */
export const SiteRoundView = z.object({
  roundId: Uuid,
  roundNumber: z.int().min(1),
  stage: RoundStage,
  deadline: EpochMs,
  /** Whether this site was selected for the round. */
  selected: z.boolean(),
  /** Whether the coordinator already holds this site's result for the current stage. */
  submitted: z.boolean(),
});
export type SiteRoundView = z.infer<typeof SiteRoundView>;

/** What the coordinator tells a (re)connected site: the truth about run, round and stage. */
export const SiteSync = z.object({
  siteId: Uuid,
  siteStatus: SiteStatus,
  serverTime: EpochMs,
  run: SiteRunView.nullable(),
  round: SiteRoundView.nullable(),
});
export type SiteSync = z.infer<typeof SiteSync>;

/** A site asks for a resync, saying what it believes so the coordinator can log the divergence. */
export const ResyncRequest = z.object({ runId: Uuid.nullable(), roundId: Uuid.nullable() });
export type ResyncRequest = z.infer<typeof ResyncRequest>;
