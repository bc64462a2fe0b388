import { frame, toBase64, verifyEd25519 } from '@fedfuse/crypto';
import type { Identity } from '@fedfuse/crypto';

import { decodeBase64 } from './bytes.ts';
import { check } from './errors.ts';
import type { SecAggRound } from './round.ts';

// Bonawitz et al.'s consistency round: every survivor signs the survivor list it was shown, and unmasks only
// when at least t survivors signed that same list, so a server cannot show different sites different lists.
const CONSISTENCY = 'fedfuse/secagg/consistency/v1';

function signedBytes(round: SecAggRound, sessionId: Uint8Array, survivors: readonly string[]): Uint8Array {
  return frame([CONSISTENCY, round.runId, round.roundId, sessionId, ...[...survivors].sort()]);
}

/** Site: its signature over the survivor list. */
export function signSurvivors(args: {
  round: SecAggRound;
  identity: Identity;
  sessionId: Uint8Array;
  survivors: readonly string[];
}): string {
  return toBase64(args.identity.sign(signedBytes(args.round, args.sessionId, args.survivors)));
}

/**
 * Check `signatures` are by distinct survivors, each over this survivor list, and at least `threshold` of
 * them; throws `replayed`, `unknown_site`, `bad_signature` or `below_threshold`.
 */
export function verifySurvivorSignatures(args: {
  round: SecAggRound;
  sessionId: Uint8Array;
  survivors: readonly string[];
  signatures: readonly { siteId: string; signature: string }[];
  threshold: number;
}): void {
  const message = signedBytes(args.round, args.sessionId, args.survivors);
  const members = new Set(args.survivors);
  const signers = new Set<string>();
  for (const { siteId, signature } of args.signatures) {
    check(!signers.has(siteId), 'replayed', () => `survivor list signed twice by ${siteId}`);
    check(
      members.has(siteId),
      'unknown_site',
      () => `survivor list signed by ${siteId}, which is not a survivor`,
    );
    const key = args.round.roster.get(siteId);
    check(
      key !== undefined,
      'unknown_site',
      () => `survivor list signed by ${siteId}, which is not in the roster`,
    );
    const valid = verifyEd25519(message, decodeBase64(signature, 64, `${siteId}'s survivor signature`), key);
    check(valid, 'bad_signature', () => `${siteId}'s signature is not over this survivor list`);
    signers.add(siteId);
  }
  check(
    signers.size >= args.threshold,
    'below_threshold',
    () => `${signers.size} survivors signed the list, fewer than the threshold ${args.threshold}`,
  );
}
