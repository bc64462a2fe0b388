import { readFile } from 'node:fs/promises';
import { fingerprint, fromBase64 } from '@fedfuse/crypto';
import { Fingerprint, PublicKey32, SiteStatus, Uuid, formatIssues } from '@fedfuse/protocol';
import { z } from 'zod';

import { isNotFound, writeFileAtomic } from './atomic-file.ts';

/** `enrollment.json`: the site id and the coordinator keys pinned at enrollment. */
export const Enrollment = z.object({
  coordinatorUrl: z.url({ protocol: /^(https?|wss?)$/ }),
  siteId: Uuid,
  coordinatorSigningKey: PublicKey32,
  coordinatorBoxKey: PublicKey32,
  fingerprint: Fingerprint,
  /** Status the coordinator reported at enrollment (the live status comes with every handshake). */
  status: SiteStatus,
  enrolledAt: z.int().nonnegative().optional(),
});
export type Enrollment = z.infer<typeof Enrollment>;

/** An enrollment file that is missing, invalid or inconsistent. */
export class EnrollmentFileError extends Error {
  constructor(
    readonly path: string,
    readonly problem: 'missing' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'EnrollmentFileError';
  }
}

/** The pinned keys as bytes. */
export function pinnedKeys(e: Pick<Enrollment, 'coordinatorSigningKey' | 'coordinatorBoxKey'>): {
  signingKey: Uint8Array;
  boxKey: Uint8Array;
} {
  return {
    signingKey: fromBase64(e.coordinatorSigningKey, 32, 'coordinatorSigningKey'),
    boxKey: fromBase64(e.coordinatorBoxKey, 32, 'coordinatorBoxKey'),
  };
}

/** Fingerprint recomputed from the pinned keys. */
function enrollmentFingerprint(e: Pick<Enrollment, 'coordinatorSigningKey' | 'coordinatorBoxKey'>): string {
  const keys = pinnedKeys(e);
  return fingerprint(keys.signingKey, keys.boxKey);
}

/** Save the enrollment atomically. */
export async function writeEnrollment(path: string, enrollment: Enrollment): Promise<void> {
  const checked = Enrollment.parse(enrollment);
  await writeFileAtomic(path, `${JSON.stringify(checked, null, 2)}\n`);
}

/**
 * Read and check the enrollment: valid fields, and a fingerprint that matches the pinned keys (so an edited
 * key cannot pass for the one compared out of band).
 */
export async function readEnrollment(path: string): Promise<Enrollment> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isNotFound(err))
      throw new EnrollmentFileError(
        path,
        'missing',
        `${path} does not exist; run "fedfuse-client enroll" first`,
      );
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new EnrollmentFileError(path, 'invalid', `${path} is not valid JSON`);
  }
  const parsed = Enrollment.safeParse(raw);
  if (!parsed.success)
    throw new EnrollmentFileError(path, 'invalid', `${path}: ${formatIssues(parsed.error.issues)}`);
  if (enrollmentFingerprint(parsed.data) !== parsed.data.fingerprint) {
    throw new EnrollmentFileError(
      path,
      'invalid',
      `${path}: the fingerprint does not match the pinned coordinator keys; re-enroll the site`,
    );
  }
  return parsed.data;
}
