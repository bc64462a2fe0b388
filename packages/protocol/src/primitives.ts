import { z } from 'zod';

import { MAX_RECORD_KEYS } from './limits.ts';

/** Identifiers minted by the coordinator (runs, rounds, sites, transfers). */
export const Uuid = z.uuid();

/** Milliseconds since the Unix epoch; integers so that signed statements have one canonical form. */
export const EpochMs = z.int().nonnegative();

/** Lower-case hex SHA-256 digest. */
export const Sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'expected a lower-case hex SHA-256 digest (64 chars)');

/** Standard base64 (with padding) of exactly `bytes` bytes. */
export function base64Bytes(bytes: number, what: string) {
  const chars = Math.ceil(bytes / 3) * 4;
  return z
    .base64()
    .length(chars, `expected ${what}: base64 of ${bytes} bytes (${chars} chars)`)
    .refine((s) => decodedLength(s) === bytes, `expected ${what}: base64 of exactly ${bytes} bytes`);
}

function decodedLength(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - pad;
}

/** Ed25519 or X25519 public key. */
export const PublicKey32 = base64Bytes(32, 'a 32-byte public key');

/** Ed25519 signature. */
export const Signature64 = base64Bytes(64, 'a 64-byte Ed25519 signature');

/** Handshake challenge nonce. */
export const ChallengeNonce = base64Bytes(32, 'a 32-byte nonce');

/** The sealed delta's 24-byte header nonce (the HKDF salt in version 2, the box nonce in version 1). */
export const BoxNonce = base64Bytes(24, 'a 24-byte box nonce');

/**
 * Names used as record keys (metrics, groups, tasks). They must start with a letter, which also rules out
 * `__proto__` and friends.
 */
export const Name = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.:/-]{0,63}$/, 'expected a name: a letter, then up to 63 of [A-Za-z0-9_.:/-]');

/** Free text shown to people (site names, messages), bounded. */
export function text(max: number) {
  return z.string().trim().min(1).max(max);
}

/** A record keyed by Name with a bounded number of keys. */
export function namedRecord<TValue extends z.ZodType>(value: TValue) {
  return z
    .record(Name, value)
    .refine((r) => Object.keys(r).length <= MAX_RECORD_KEYS, `expected at most ${MAX_RECORD_KEYS} keys`);
}

/** Named finite numbers (zod v4 numbers already refuse NaN and ±Infinity). */
export const MetricRecord = namedRecord(z.number());
export type MetricRecord = z.infer<typeof MetricRecord>;

/** Human-comparable key fingerprint: SHA-256 of the public keys as 16 groups of 4 hex digits. */
export const Fingerprint = z
  .string()
  .regex(/^[0-9a-f]{4}( [0-9a-f]{4}){15}$/, 'expected a fingerprint: 16 groups of 4 hex digits');

/** Non-negative integer count. */
export const Count = z.int().nonnegative();

/**
 * The one vocabulary for a round's state, from the coordinator's rounds repository to the sites and the
 * dashboard: `fit` (sites train), `aggregating` (the strategy combines the updates), `evaluate` (the new
 * model is committed and sites evaluate it), `committed` (done, metrics pooled), `cancelled` (the round
 * ended without a model; the reason travels in `round:cancelled`).
 */
export const RoundStage = z.enum(['fit', 'aggregating', 'evaluate', 'committed', 'cancelled']);
export type RoundStage = z.infer<typeof RoundStage>;

/** The stages of a round that is still open: at most one per run. */
export const OPEN_ROUND_STAGES = ['fit', 'aggregating', 'evaluate'] as const satisfies readonly RoundStage[];
export type OpenRoundStage = (typeof OPEN_ROUND_STAGES)[number];

/** Whether a round in this stage is still open (not committed and not cancelled). */
export function isOpenRoundStage(stage: RoundStage): stage is OpenRoundStage {
  return (OPEN_ROUND_STAGES as readonly RoundStage[]).includes(stage);
}

/** Binary attachment: Node peers get a Buffer (a Uint8Array), browsers an ArrayBuffer; both become Uint8Array. */
export const Bytes = z.union([
  z.instanceof(Uint8Array),
  z.instanceof(ArrayBuffer).transform((b) => new Uint8Array(b)),
]);
