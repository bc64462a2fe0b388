// Route parameters, queries and request bodies of the operator REST API: what the coordinator's
// validation pipe parses before a controller sees them.
import { z } from 'zod';

import { AuditCursor } from '../audit.ts';
import { label } from '../display-text.ts';
import { Uuid } from '../primitives.ts';

/** A positive integer written in a path (`3`, never `03`, `-1` or `2.5`). */
export const PositiveIntParam = z
  .string()
  .regex(/^[1-9]\d{0,8}$/, 'expected a positive integer')
  .transform(Number);

/** A checkpoint's round: its number, `selected` (best on validation) or `last` (newest checkpoint). */
export const RoundRef = z.union([z.enum(['selected', 'last']), PositiveIntParam], {
  error: 'expected a positive round number, selected or last',
});
export type RoundRef = z.output<typeof RoundRef>;

export const RunAction = z.enum(['start', 'pause', 'resume', 'stop']);
export type RunAction = z.infer<typeof RunAction>;

export const SiteAction = z.enum(['approve', 'suspend', 'reinstate', 'revoke']);
export type SiteAction = z.infer<typeof SiteAction>;

export const RunParams = z.object({ id: Uuid });
export const RunActionParams = RunParams.extend({ action: RunAction });
export const CheckpointParams = RunParams.extend({ round: RoundRef });
export const SiteParams = z.object({ id: Uuid });
export const SiteActionParams = SiteParams.extend({ action: SiteAction });

/** POST /api/tokens: a one-time enrollment token's label, lifetime and whether its site is approved at once. */
export const TokenRequest = z.object({
  label: label(200).default('site'),
  ttlSeconds: z
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
  autoApprove: z.boolean().default(false),
});
export type TokenRequest = z.input<typeof TokenRequest>;

const AuditFilters = z.object({
  actorKind: z.enum(['operator', 'site', 'system']).optional(),
  actorId: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  outcome: z.enum(['ok', 'refused', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
/** GET /api/audit: the original form, a bare array paged by time (kept for scripts that use it). */
export const AuditListQuery = AuditFilters.extend({ before: z.coerce.number().int().optional() });
/** GET /api/audit/page: keyset paging; `cursor` is the previous page's `nextCursor`, absent for the newest. */
export const AuditPageQuery = AuditFilters.extend({ cursor: AuditCursor.optional() });
