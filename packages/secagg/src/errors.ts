/** Why a secure-aggregation step refused: each check has its own code, so a driver can act on it. */
export type SecAggErrorCode =
  | 'invalid_payload'
  | 'invalid_config'
  | 'unknown_site'
  | 'bad_signature'
  | 'wrong_run'
  | 'wrong_round'
  | 'wrong_model'
  | 'wrong_session'
  | 'wrong_stage'
  | 'replayed'
  | 'low_order_key'
  | 'below_threshold'
  | 'inconsistent_lists'
  | 'reconstruction_failed';

/** A refused message or an aborted round. Nothing was changed or revealed by the call that threw it. */
export class SecAggError extends Error {
  override readonly name = 'SecAggError';

  constructor(
    readonly code: SecAggErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Throw a SecAggError with `code` unless `condition` holds. */
export function check(condition: boolean, code: SecAggErrorCode, message: () => string): asserts condition {
  if (!condition) throw new SecAggError(code, message());
}
