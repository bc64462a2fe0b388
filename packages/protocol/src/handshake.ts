import { z } from 'zod';

import { ChallengeNonce, EpochMs, PublicKey32, Signature64, Uuid } from './primitives.ts';

/** Protocol versions are plain integers so a mismatch is reported as such, not as a schema error. */
const Version = z.int().min(1).max(65_535);

/** A site asks for a challenge (`POST /fl/challenge`), naming itself and the protocol version it speaks. */
export const ChallengeRequest = z.object({ siteId: Uuid, protocolVersion: Version });
export type ChallengeRequest = z.infer<typeof ChallengeRequest>;

const challengeFields = {
  siteId: Uuid,
  nonce: ChallengeNonce,
  /** The coordinator's Ed25519 public key; the site checks it against the key it pinned at enrollment. */
  coordinatorKey: PublicKey32,
  protocolVersion: Version,
  expiresAt: EpochMs,
};

/** The coordinator's challenge, signed by the coordinator so the site knows whom it is answering. */
export const Challenge = z.object({ ...challengeFields, signature: Signature64 });
export type Challenge = z.infer<typeof Challenge>;

/**
 * The site's answer: the same fields, signed with the site's Ed25519 key. It is the `auth` of the site's
 * `/fl` socket, which the coordinator's namespace middleware verifies before the socket connects.
 */
export const ChallengeResponse = z.object({ ...challengeFields, signature: Signature64 });
export type ChallengeResponse = z.infer<typeof ChallengeResponse>;
