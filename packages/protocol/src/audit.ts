import { z } from 'zod';

import { EpochMs, Uuid, namedRecord, text } from './primitives.ts';

/** Who did something. */
export const AuditActor = z.object({ kind: z.enum(['operator', 'site', 'system']), id: text(200) });
export type AuditActor = z.infer<typeof AuditActor>;

/** audit:appended — one line of the audit log. */
export const AuditEntry = z.object({
  id: Uuid,
  at: EpochMs,
  actor: AuditActor,
  /** Dotted verb, e.g. `site.approved`, `round.update_rejected`. */
  action: z
    .string()
    .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'expected a dotted action like site.approved'),
  subject: text(200).nullable(),
  outcome: z.enum(['ok', 'refused', 'failed']),
  details: namedRecord(z.union([z.string().max(1000), z.number(), z.boolean(), z.null()])),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/**
 * Where the next page of the audit log starts: the (at, id) of the last entry shown, as `<at>_<id>`.
 * The log is ordered newest first with ties by id, so a page boundary inside one millisecond loses nothing.
 */
export const AuditCursor = z
  .string()
  .regex(
    /^\d{1,16}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'expected an audit cursor as returned in nextCursor',
  );
export type AuditCursor = z.infer<typeof AuditCursor>;

/** The cursor that continues after `entry`. */
export function auditCursorAfter(entry: { at: number; id: string }): AuditCursor {
  return `${entry.at}_${entry.id}`;
}

/** The (at, id) a cursor points after; the cursor must already have passed `AuditCursor`. */
export function readAuditCursor(cursor: AuditCursor): { at: number; id: string } {
  const split = cursor.indexOf('_');
  return { at: Number(cursor.slice(0, split)), id: cursor.slice(split + 1) };
}

/**
 * A dashboard asks for a page of audit entries, newest first: after `cursor` (keyset paging; null for the
 * first page), optionally only entries before a point in time.
 */
export const AuditQuery = z.object({
  limit: z.int().min(1).max(500),
  before: EpochMs.nullable(),
  cursor: AuditCursor.nullable(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/** Audit page; `nextCursor` asks for the page after it (null when `hasMore` is false). */
export const AuditPage = z.object({
  entries: z.array(AuditEntry).max(500),
  hasMore: z.boolean(),
  nextCursor: AuditCursor.nullable(),
});
export type AuditPage = z.infer<typeof AuditPage>;
