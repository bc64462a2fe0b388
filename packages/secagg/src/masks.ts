import { frame, sha256, toHex } from '@fedfuse/crypto';

import { addMask, deriveMaskKey } from './prg.ts';

const PAIR_MASK = 'fedfuse/secagg/pair-mask/v1';
const SELF_MASK = 'fedfuse/secagg/self-mask/v1';
const SELF_COMMIT = 'fedfuse/secagg/self-mask-commitment/v1';

/** +1 for the site whose id sorts first in a pair, −1 for the other: the pair's two masks cancel in the sum. */
function pairSign(site: string, neighbour: string): 1 | -1 {
  return site < neighbour ? 1 : -1;
}

/**
 * Add `site`'s share of the pair mask with `neighbour` (sign by pairSign) to `target`; the key is
 * HKDF(X25519(site's mask secret, neighbour's mask key), session id, pair), the same from either end.
 * `agree` is x25519Agreement of the mask secret (of `site`, or of `neighbour` when the server rebuilt it).
 */
export function addPairMask(args: {
  target: Uint32Array;
  agree: (peerKey: Uint8Array) => Uint8Array;
  peerKey: Uint8Array;
  sessionId: Uint8Array;
  site: string;
  neighbour: string;
  negate?: boolean;
}): void {
  const { site, neighbour } = args;
  const shared = args.agree(args.peerKey);
  const [first, second] = site < neighbour ? [site, neighbour] : [neighbour, site];
  const key = deriveMaskKey(shared, args.sessionId, [PAIR_MASK, first, second]);
  shared.fill(0);
  const sign = pairSign(site, neighbour);
  addMask(args.target, key, args.negate ? (-sign as 1 | -1) : sign);
  key.fill(0);
}

/** Add (or with `negate` remove) `site`'s self mask PRG(seed) to `target`. */
export function addSelfMask(args: {
  target: Uint32Array;
  seed: Uint8Array;
  sessionId: Uint8Array;
  site: string;
  negate?: boolean;
}): void {
  const key = deriveMaskKey(args.seed, args.sessionId, [SELF_MASK, args.site]);
  addMask(args.target, key, args.negate ? -1 : 1);
  key.fill(0);
}

/** A hiding commitment to a 256-bit self-mask seed, so the server can check the seed it rebuilds. */
export function selfMaskCommitment(seed: Uint8Array, sessionId: Uint8Array, site: string): string {
  return toHex(sha256(frame([SELF_COMMIT, sessionId, site, seed])));
}
