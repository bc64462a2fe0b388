import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Compares two secrets in constant time. Both are hashed first so the comparison always runs over 32
 * bytes: comparing the raw strings would return early on a length mismatch, telling a guesser the length.
 */
export function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}
