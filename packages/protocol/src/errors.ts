import { z } from 'zod';

/** Every error code an acknowledgement can carry; clients switch on these, so only ever add to the list. */
export const ErrorCode = z.enum([
  'invalid_payload',
  'unauthenticated',
  'bad_signature',
  'unknown_site',
  'pending_approval',
  'suspended',
  'revoked',
  'replayed',
  'expired',
  'version_mismatch',
  'wrong_coordinator',
  'wrong_round',
  'wrong_stage',
  'wrong_model',
  'duplicate',
  'too_late',
  'rate_limited',
  'payload_too_large',
  'out_of_order',
  'incomplete_transfer',
  'hash_mismatch',
  'unknown_transfer',
  'not_found',
  'busy',
  'schema_mismatch',
  'internal',
  // A site's privacy policy refuses the round (the same words as the matching SiteFailureCode).
  'privacy_budget_exceeded',
  'secure_aggregation_required',
  'too_few_sites',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The error half of an acknowledgement: a machine code and a message a human can act on. */
export const ProtocolError = z.object({
  code: ErrorCode,
  message: z.string().min(1).max(2000),
});
export type ProtocolError = z.infer<typeof ProtocolError>;

/** Result of every request/response event: `socket.timeout(ms).emitWithAck(...)` resolves to one of these. */
export type Ack<T = void> = { ok: true; data: T } | { ok: false; error: ProtocolError };

/** A successful acknowledgement. */
export function ok(): Ack;
export function ok<T>(data: T): Ack<T>;
export function ok<T>(data?: T): Ack<T | undefined> {
  return { ok: true, data };
}

/** A failed acknowledgement; `message` should say what was wrong and, where possible, how to fix it. */
export function fail(code: ErrorCode, message: string): { ok: false; error: ProtocolError } {
  return { ok: false, error: { code, message } };
}

/** Schema for an acknowledgement carrying `data`, so a client validates the server's answers too. */
export function ackSchema<TData extends z.ZodType>(data: TData) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: ProtocolError }),
  ]);
}

/** Schema for an acknowledgement without data. */
export const EmptyAck = ackSchema(z.undefined().optional());
