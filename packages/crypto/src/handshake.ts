import nacl from 'tweetnacl';

import { equalBytes, frame, fromBase64, toBase64 } from './bytes.ts';
import { verifyEd25519 } from './ed25519.ts';
import type { Identity } from './identity.ts';
import type { NonceCache } from './nonce-cache.ts';
import type { CryptoResult } from './result.ts';
import { failure, success } from './result.ts';

/** Default challenge lifetime: long enough for a slow hospital link, short enough to bound the nonce cache. */
export const CHALLENGE_TTL_MS = 30_000;

/** The fields a challenge and its response share (base64 for byte fields, as on the wire). */
export interface ChallengeFields {
  siteId: string;
  nonce: string;
  coordinatorKey: string;
  protocolVersion: number;
  expiresAt: number;
}

/** Challenge or response with the signer's Ed25519 signature. */
export interface SignedChallenge extends ChallengeFields {
  signature: string;
}

// Distinct contexts, so a coordinator's challenge signature can never pass as a site's response.
const CHALLENGE_CONTEXT = 'fedfuse/handshake/challenge/v1';
const RESPONSE_CONTEXT = 'fedfuse/handshake/response/v1';

function message(context: string, f: ChallengeFields): Uint8Array {
  const nonce = fromBase64(f.nonce, 32, 'nonce');
  const key = fromBase64(f.coordinatorKey, 32, 'coordinatorKey');
  return frame([context, f.siteId, nonce, key, f.protocolVersion, f.expiresAt]);
}

function fields(c: ChallengeFields): ChallengeFields {
  return {
    siteId: c.siteId,
    nonce: c.nonce,
    coordinatorKey: c.coordinatorKey,
    protocolVersion: c.protocolVersion,
    expiresAt: c.expiresAt,
  };
}

/** Coordinator: issue a signed challenge for `siteId` and remember its nonce. */
export function createChallenge(options: {
  coordinator: Identity;
  siteId: string;
  protocolVersion: number;
  nonces: NonceCache;
  now: number;
  ttlMs?: number;
}): CryptoResult<SignedChallenge> {
  const nonce = toBase64(nacl.randomBytes(32));
  const expiresAt = options.now + (options.ttlMs ?? CHALLENGE_TTL_MS);
  const f: ChallengeFields = {
    siteId: options.siteId,
    nonce,
    coordinatorKey: toBase64(options.coordinator.signingPublicKey),
    protocolVersion: options.protocolVersion,
    expiresAt,
  };
  if (!options.nonces.issue({ nonce, siteId: options.siteId, expiresAt, now: options.now })) {
    return failure('rate_limited', 'too many open handshake challenges; retry in a few seconds');
  }
  return success({ ...f, signature: toBase64(options.coordinator.sign(message(CHALLENGE_CONTEXT, f))) });
}

/** Site: check a challenge came from the pinned coordinator, is for this site and version, and is live. */
export function verifyChallenge(options: {
  challenge: SignedChallenge;
  pinnedCoordinatorKey: Uint8Array;
  siteId: string;
  protocolVersion: number;
  now: number;
  /** Tolerated clock difference between site and coordinator (default 60 s). */
  clockSkewMs?: number;
}): CryptoResult {
  const c = options.challenge;
  return guard(() => {
    if (!equalBytes(fromBase64(c.coordinatorKey, 32, 'coordinatorKey'), options.pinnedCoordinatorKey)) {
      return failure(
        'wrong_coordinator',
        'the challenge names a coordinator key other than the one pinned at enrollment',
      );
    }
    if (
      !verifyEd25519(
        message(CHALLENGE_CONTEXT, c),
        fromBase64(c.signature, 64, 'signature'),
        options.pinnedCoordinatorKey,
      )
    ) {
      return failure('bad_signature', 'the challenge is not signed by the pinned coordinator key');
    }
    if (c.siteId !== options.siteId)
      return failure('unauthenticated', `the challenge is for site ${c.siteId}, not ${options.siteId}`);
    if (c.protocolVersion !== options.protocolVersion) {
      return failure(
        'version_mismatch',
        `coordinator speaks protocol ${c.protocolVersion}, this site ${options.protocolVersion}`,
      );
    }
    if (c.expiresAt + (options.clockSkewMs ?? 60_000) < options.now)
      return failure('expired', 'the challenge has expired');
    return success();
  });
}

/** Site: sign the challenge fields back with the site's Ed25519 key. */
export function respondToChallenge(options: { site: Identity; challenge: ChallengeFields }): SignedChallenge {
  const f = fields(options.challenge);
  return { ...f, signature: toBase64(options.site.sign(message(RESPONSE_CONTEXT, f))) };
}

/**
 * Coordinator: accept a challenge response only if it is signed by the site's registered key, names this
 * coordinator and protocol version, has not expired, and uses a nonce issued to this site and never used.
 */
export function verifyChallengeResponse(options: {
  response: SignedChallenge;
  siteSigningKey: Uint8Array;
  coordinatorKey: Uint8Array;
  protocolVersion: number;
  nonces: NonceCache;
  now: number;
}): CryptoResult<{ siteId: string }> {
  const r = options.response;
  return guard(() => {
    if (!equalBytes(fromBase64(r.coordinatorKey, 32, 'coordinatorKey'), options.coordinatorKey)) {
      return failure('wrong_coordinator', 'the response was signed for another coordinator key');
    }
    if (
      !verifyEd25519(
        message(RESPONSE_CONTEXT, r),
        fromBase64(r.signature, 64, 'signature'),
        options.siteSigningKey,
      )
    ) {
      return failure(
        'bad_signature',
        `the response is not signed by the key registered for site ${r.siteId}`,
      );
    }
    if (r.protocolVersion !== options.protocolVersion) {
      return failure(
        'version_mismatch',
        `site speaks protocol ${r.protocolVersion}, coordinator ${options.protocolVersion}`,
      );
    }
    if (r.expiresAt < options.now)
      return failure('expired', `the challenge expired at ${new Date(r.expiresAt).toISOString()}`);
    const verdict = options.nonces.consume({
      nonce: r.nonce,
      siteId: r.siteId,
      expiresAt: r.expiresAt,
      now: options.now,
    });
    if (verdict === 'replayed') return failure('replayed', 'this challenge nonce was already used');
    if (verdict === 'unknown')
      return failure('unauthenticated', 'this nonce was not issued by this coordinator (or has expired)');
    if (verdict === 'mismatch')
      return failure('unauthenticated', 'the nonce was issued for another site or expiry');
    return success({ siteId: r.siteId });
  });
}

/** Malformed base64 in a response is bad input, not a crash. */
function guard<T>(check: () => CryptoResult<T>): CryptoResult<T> {
  try {
    return check();
  } catch (err) {
    return failure('invalid_payload', err instanceof Error ? err.message : 'malformed handshake');
  }
}
