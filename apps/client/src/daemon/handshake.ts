import type { Identity, SignedChallenge } from '@fedfuse/crypto';
import { respondToChallenge, verifyChallenge } from '@fedfuse/crypto';
import type { ErrorCode } from '@fedfuse/protocol';
import { FlRoute, PROTOCOL_VERSION } from '@fedfuse/protocol';

import { TransportError, post } from './request.ts';

/** Why the site is not connected, and what the daemon does next. */
export type HandshakeRefusal =
  /** The operator has to act (approve or unsuspend): wait, then try again. */
  | { kind: 'waiting'; code: ErrorCode; message: string }
  /** Something transient (rate limit, expired challenge, lost connection): try again. */
  | { kind: 'retry'; code: ErrorCode | 'transport'; message: string }
  /** Retrying cannot help (revoked, unknown, wrong coordinator): stop the daemon. */
  | { kind: 'fatal'; code: ErrorCode; message: string };

const WAITING = new Set<ErrorCode>(['pending_approval', 'suspended']);
const FATAL = new Set<ErrorCode>([
  'revoked',
  'unknown_site',
  'wrong_coordinator',
  'bad_signature',
  'version_mismatch',
]);

/** What a refusal with `code` means for the daemon. */
function classifyRefusal(code: ErrorCode): 'waiting' | 'retry' | 'fatal' {
  if (WAITING.has(code)) return 'waiting';
  return FATAL.has(code) ? 'fatal' : 'retry';
}

/** A refusal by the coordinator (or by this site's checks), classified. */
export function refusal(code: ErrorCode, message: string): HandshakeRefusal {
  switch (classifyRefusal(code)) {
    case 'waiting':
      return { kind: 'waiting', code, message };
    case 'fatal':
      return { kind: 'fatal', code, message };
    case 'retry':
      return { kind: 'retry', code, message };
  }
}

/**
 * The site's half of the signed challenge of docs/protocol.md, run before every connection: ask for a
 * challenge over HTTP, check it is signed by the coordinator key pinned at enrollment, and sign it back.
 * The response is the socket's `auth`; the coordinator verifies it before the socket connects.
 */
export async function signChallenge(options: {
  url: string;
  site: Identity;
  siteId: string;
  pinnedSigningKey: Uint8Array;
  timeoutMs: number;
  now?: () => number;
}): Promise<{ kind: 'signed'; response: SignedChallenge } | HandshakeRefusal> {
  const { siteId } = options;
  try {
    const challenge = await post({
      url: options.url,
      route: FlRoute.challenge,
      body: { siteId, protocolVersion: PROTOCOL_VERSION },
      timeoutMs: options.timeoutMs,
    });
    if (!challenge.ok) return refusal(challenge.error.code, challenge.error.message);
    const verified = verifyChallenge({
      challenge: challenge.data,
      pinnedCoordinatorKey: options.pinnedSigningKey,
      siteId,
      protocolVersion: PROTOCOL_VERSION,
      now: (options.now ?? Date.now)(),
    });
    if (!verified.ok)
      return refusal(
        verified.error.code,
        `the coordinator's challenge was refused here: ${verified.error.message}`,
      );
    return {
      kind: 'signed',
      response: respondToChallenge({ site: options.site, challenge: challenge.data }),
    };
  } catch (err) {
    if (err instanceof TransportError) return { kind: 'retry', code: 'transport', message: err.message };
    throw err;
  }
}
