import { z } from 'zod';

import { label } from './display-text.ts';
import { Fingerprint, PublicKey32, Signature64, Uuid } from './primitives.ts';
import { SiteStatus } from './status.ts';

/** One-time enrollment tokens are URL-safe strings handed out by the operator. */
export const EnrollmentToken = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,256}$/, 'expected an enrollment token: 16-256 chars of [A-Za-z0-9_-]');

/** A new site presents its token, its name and its public keys, signed with its Ed25519 key. */
export const EnrollmentRequest = z.object({
  token: EnrollmentToken,
  siteName: label(100),
  signingKey: PublicKey32,
  boxKey: PublicKey32,
  protocolVersion: z.int().min(1).max(65_535),
  /** Proof of possession of the signing key over token, name and both keys. */
  signature: Signature64,
});
export type EnrollmentRequest = z.infer<typeof EnrollmentRequest>;

/** What the coordinator answers: the new site id, its status and the coordinator keys to pin. */
export const EnrollmentResult = z.object({
  siteId: Uuid,
  status: SiteStatus,
  coordinatorSigningKey: PublicKey32,
  coordinatorBoxKey: PublicKey32,
  /** Fingerprint of the coordinator keys, for the site admin to compare out of band. */
  coordinatorFingerprint: Fingerprint,
});
export type EnrollmentResult = z.infer<typeof EnrollmentResult>;
