import type { Identity } from '@fedfuse/crypto';
import { respondToChallenge, verifyChallenge } from '@fedfuse/crypto';
import type { ErrorCode, HandshakeAccepted } from '@fedfuse/protocol';
import { FlEvent, PROTOCOL_VERSION } from '@fedfuse/protocol';

import { TransportError, request, type FlSocket } from './request.ts';

/** How a handshake ended and what the daemon does next. */
export type HandshakeOutcome =
  | { kind: 'accepted'; accepted: HandshakeAccepted }
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
export function classifyRefusal(code: ErrorCode): 'waiting' | 'retry' | 'fatal' {
  if (WAITING.has(code)) return 'waiting';
  return FATAL.has(code) ? 'fatal' : 'retry';
}

function refused(code: ErrorCode, message: string): HandshakeOutcome {
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
 * The signed challenge handshake of docs/protocol.md: ask for a challenge, check it is signed by the
 * coordinator key pinned at enrollment, sign it back, and get the session.
 */
export async function performHandshake(options: {
  socket: FlSocket;
  site: Identity;
  siteId: string;
  pinnedSigningKey: Uint8Array;
  timeoutMs: number;
  now?: () => number;
}): Promise<HandshakeOutcome> {
  const { socket, siteId, timeoutMs } = options;
  try {
    const challenge = await request(socket, {
      event: FlEvent.handshakeChallenge,
      payload: { siteId, protocolVersion: PROTOCOL_VERSION },
      timeoutMs,
    });
    if (!challenge.ok) return refused(challenge.error.code, challenge.error.message);
    const verified = verifyChallenge({
      challenge: challenge.data,
      pinnedCoordinatorKey: options.pinnedSigningKey,
      siteId,
      protocolVersion: PROTOCOL_VERSION,
      now: (options.now ?? Date.now)(),
    });
    if (!verified.ok)
      return refused(
        verified.error.code,
        `the coordinator's challenge was refused here: ${verified.error.message}`,
      );
    const response = respondToChallenge({ site: options.site, challenge: challenge.data });
    const accepted = await request(socket, { event: FlEvent.handshakeRespond, payload: response, timeoutMs });
    if (!accepted.ok) return refused(accepted.error.code, accepted.error.message);
    if (accepted.data.siteId !== siteId) {
      return {
        kind: 'retry',
        code: 'unauthenticated',
        message: `the coordinator accepted site ${accepted.data.siteId}, not ${siteId}`,
      };
    }
    return { kind: 'accepted', accepted: accepted.data };
  } catch (err) {
    if (err instanceof TransportError) return { kind: 'retry', code: 'transport', message: err.message };
    throw err;
  }
}
