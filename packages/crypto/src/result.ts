/**
 * Why a check failed. Every code is also an `ErrorCode` of @fedfuse/protocol, so a gateway can return a
 * failed result as an Ack unchanged.
 */
export type CryptoErrorCode =
  | 'invalid_payload'
  | 'unauthenticated'
  | 'bad_signature'
  | 'replayed'
  | 'expired'
  | 'version_mismatch'
  | 'wrong_coordinator'
  | 'wrong_round'
  | 'wrong_stage'
  | 'wrong_model'
  | 'rate_limited';

/** Outcome of a verification: the same shape as the protocol's Ack. */
export type CryptoResult<T = void> =
  { ok: true; data: T } | { ok: false; error: { code: CryptoErrorCode; message: string } };

/** A successful result. */
export function success(): CryptoResult;
export function success<T>(data: T): CryptoResult<T>;
export function success<T>(data?: T): CryptoResult<T | undefined> {
  return { ok: true, data };
}

/** A failed result. */
export function failure(
  code: CryptoErrorCode,
  message: string,
): { ok: false; error: { code: CryptoErrorCode; message: string } } {
  return { ok: false, error: { code, message } };
}
