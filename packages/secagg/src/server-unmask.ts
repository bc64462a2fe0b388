import { equalBytes, x25519Agreement } from '@fedfuse/crypto';
import { combine } from 'shamir-secret-sharing';

import type { SiteKeys } from './advertise.ts';
import { decodeBase64 } from './bytes.ts';
import { SecAggError, check } from './errors.ts';
import { x25519PublicKey } from './keys.ts';
import { addPairMask, addSelfMask, selfMaskCommitment } from './masks.ts';
import type { UnmaskRequest, UnmaskResponse } from './messages.ts';
import { decodeSum } from './quantize.ts';
import type { DecodedAggregate } from './quantize.ts';
import type { SecAggRound } from './round.ts';
import { SHARE_BYTES } from './share-box.ts';

/** Throws `inconsistent_lists` unless a response reveals exactly what its request asked for, each share once. */
export function checkRevealed(message: UnmaskResponse, request: UnmaskRequest): void {
  const same = (got: readonly { of: string }[], asked: readonly string[]): boolean =>
    got.length === asked.length &&
    new Set(got.map((s) => s.of)).size === got.length &&
    got.every((s) => asked.includes(s.of));
  check(
    same(message.selfMaskShares, request.alive),
    'inconsistent_lists',
    () => `${message.siteId}'s self-mask shares are not for exactly its alive neighbours`,
  );
  check(
    same(message.maskKeyShares, request.dropped),
    'inconsistent_lists',
    () => `${message.siteId}'s mask-key shares are not for exactly its dropped neighbours`,
  );
}

/** Everything the server holds when it unmasks. */
interface UnmaskArgs {
  round: SecAggRound;
  sessionId: Uint8Array;
  survivors: readonly string[];
  /** Σ masked inputs of the survivors; unmasked in place. */
  sum: Uint32Array;
  responses: readonly UnmaskResponse[];
  dropped: readonly string[];
  forwarded: ReadonlyMap<string, ReadonlySet<string>>;
  keys: ReadonlyMap<string, SiteKeys>;
  commitments: ReadonlyMap<string, string>;
  current?: Float32Array;
}

function collect(
  responses: readonly UnmaskResponse[],
  kind: 'selfMaskShares' | 'maskKeyShares',
): Map<string, Uint8Array[]> {
  const out = new Map<string, Uint8Array[]>();
  for (const response of responses) {
    for (const { of, share } of response[kind]) {
      const bytes = decodeBase64(share, SHARE_BYTES, `${response.siteId}'s share of ${of}`);
      out.set(of, [...(out.get(of) ?? []), bytes]);
    }
  }
  return out;
}

/** The shares of each secret in `needed`, after checking every one reaches the threshold (so nothing is rebuilt otherwise). */
function sharesFor(
  needed: readonly string[],
  shares: Map<string, Uint8Array[]>,
  args: { threshold: number; what: string },
): Map<string, Uint8Array[]> {
  for (const id of needed) {
    const count = shares.get(id)?.length ?? 0;
    if (count < args.threshold)
      throw new SecAggError(
        'below_threshold',
        `${count} shares of ${id}'s ${args.what}, fewer than the threshold ${args.threshold}: round aborted`,
      );
  }
  return new Map(needed.map((id) => [id, shares.get(id)!]));
}

/**
 * Rebuild and verify the secrets, then Σ masked inputs (in place) − self masks of the survivors − the pair masks the
 * survivors added with dropped sites, de-quantised.
 */
export async function unmaskSum(args: UnmaskArgs): Promise<DecodedAggregate> {
  const { round, sessionId, survivors, sum } = args;
  const { threshold } = round.plan;
  const maskedWith = (dropped: string): string[] =>
    survivors.filter((s) => args.forwarded.get(s)!.has(dropped));
  const droppedNeeded = args.dropped.filter((id) => maskedWith(id).length > 0);
  const seedShares = sharesFor(survivors, collect(args.responses, 'selfMaskShares'), {
    threshold,
    what: 'self-mask seed',
  });
  const keyShares = sharesFor(droppedNeeded, collect(args.responses, 'maskKeyShares'), {
    threshold,
    what: 'mask key',
  });
  for (const [site, shares] of seedShares) {
    const seed = await combine(shares);
    check(
      selfMaskCommitment(seed, sessionId, site) === args.commitments.get(site),
      'reconstruction_failed',
      () => `the self-mask seed rebuilt for ${site} does not match its commitment (a bad share)`,
    );
    addSelfMask({ target: sum, seed, sessionId, site, negate: true });
    seed.fill(0);
  }
  for (const [site, shares] of keyShares) {
    const secretKey = await combine(shares);
    check(
      equalBytes(x25519PublicKey(secretKey), args.keys.get(site)!.maskKey),
      'reconstruction_failed',
      () => `the mask key rebuilt for ${site} does not match its advertised key (a bad share)`,
    );
    const agree = x25519Agreement(secretKey);
    for (const survivor of maskedWith(site)) {
      const peerKey = args.keys.get(survivor)!.maskKey;
      addPairMask({
        target: sum,
        agree,
        peerKey,
        sessionId,
        site: survivor,
        neighbour: site,
        negate: true,
      });
    }
    secretKey.fill(0);
  }
  return decodeSum({
    plan: round.plan,
    layout: round.layout,
    sum,
    sites: survivors.length,
    current: args.current,
  });
}
