import type { ErrorCode } from '@fedfuse/protocol';

// Codes after which the same message may succeed later: the session, the coordinator's load or a lost
// transfer. Every other refusal would repeat identically, so the result is dropped (and logged).
const RETRY = new Set<ErrorCode>([
  'unauthenticated',
  'rate_limited',
  'busy',
  'internal',
  'incomplete_transfer',
  'unknown_transfer',
  'out_of_order',
]);

/** What to do with a result the coordinator refused with `code`. */
export function afterRefusal(code: ErrorCode): 'retry' | 'drop' {
  return RETRY.has(code) ? 'retry' : 'drop';
}

/** Results are given up after this many refused attempts, so a stuck result cannot loop forever. */
export const MAX_SUBMIT_ATTEMPTS = 5;
