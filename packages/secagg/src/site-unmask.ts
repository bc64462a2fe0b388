import { toBase64 } from '@fedfuse/crypto';

import { verifySurvivorSignatures } from './consistency.ts';
import { check } from './errors.ts';
import type { UnmaskRequest, UnmaskResponse } from './messages.ts';
import type { Reveal } from './reveal-ledger.ts';
import type { SecAggRound } from './round.ts';
import type { ShareBundle } from './share-box.ts';

/** Throws `inconsistent_lists` or `below_threshold` unless a survivor list is one a site may sign. */
export function checkSurvivorList(args: {
  survivors: readonly string[];
  site: string;
  advertised: ReadonlyMap<string, unknown>;
  threshold: number;
}): void {
  const { survivors, site } = args;
  check(
    new Set(survivors).size === survivors.length,
    'inconsistent_lists',
    () => 'the survivor list repeats a site',
  );
  for (const id of survivors)
    check(
      args.advertised.has(id),
      'inconsistent_lists',
      () => `the survivor list names ${id}, which advertised no keys`,
    );
  check(survivors.includes(site), 'inconsistent_lists', () => `the survivor list leaves out ${site} itself`);
  check(
    survivors.length >= args.threshold,
    'below_threshold',
    () => `${survivors.length} survivors, fewer than the threshold ${args.threshold}`,
  );
}

/** What a site knows when it is asked to unmask. */
interface UnmaskState {
  id: Uint8Array;
  held: ReadonlyMap<string, ShareBundle>;
  signed: { survivors: readonly string[] };
}

/**
 * Check an unmask request against what the site signed and holds, and return what to reveal per neighbour.
 * Every neighbour that shared keys (and the site itself) must be listed exactly once, alive neighbours must be
 * signed survivors and dropped ones must not, and at least the threshold must be alive.
 */
export function planReveals(args: {
  round: SecAggRound;
  site: string;
  session: UnmaskState;
  message: UnmaskRequest;
}): Map<string, Reveal> {
  const { round, site, session, message } = args;
  const { threshold } = round.plan;
  const survivors = [...message.survivors].sort();
  check(
    survivors.join('\n') === session.signed.survivors.join('\n'),
    'inconsistent_lists',
    () => `the unmask request's survivor list is not the one ${site} signed`,
  );
  verifySurvivorSignatures({
    round,
    sessionId: session.id,
    survivors,
    signatures: message.signatures,
    threshold,
  });
  const reveals = new Map<string, Reveal>();
  const signedSet = new Set(survivors);
  for (const [list, reveal] of [
    [message.alive, 'self-mask'],
    [message.dropped, 'mask-key'],
  ] as const) {
    for (const id of list) {
      check(
        !reveals.has(id),
        'inconsistent_lists',
        () => `${id} is listed twice among the alive and dropped neighbours`,
      );
      check(
        session.held.has(id),
        'inconsistent_lists',
        () => `${id} is not a neighbour ${site} holds shares of`,
      );
      const alive = reveal === 'self-mask';
      check(
        signedSet.has(id) === alive,
        'inconsistent_lists',
        () =>
          `${id} is listed ${alive ? 'alive' : 'dropped'} but is ${alive ? 'not ' : ''}on the signed survivor list`,
      );
      reveals.set(id, reveal);
    }
  }
  for (const id of session.held.keys())
    check(reveals.has(id), 'inconsistent_lists', () => `the unmask request leaves out neighbour ${id}`);
  check(
    reveals.get(site) === 'self-mask',
    'inconsistent_lists',
    () => `the unmask request lists ${site} itself as dropped`,
  );
  check(
    message.alive.length >= threshold,
    'below_threshold',
    () => `${message.alive.length} of ${site}'s neighbourhood alive, fewer than the threshold ${threshold}`,
  );
  return reveals;
}

/** The shares `reveals` allows, base64: one kind per neighbour. */
export function revealShares(
  reveals: ReadonlyMap<string, Reveal>,
  held: ReadonlyMap<string, ShareBundle>,
): Pick<UnmaskResponse, 'selfMaskShares' | 'maskKeyShares'> {
  const selfMaskShares: UnmaskResponse['selfMaskShares'] = [];
  const maskKeyShares: UnmaskResponse['maskKeyShares'] = [];
  for (const [of, reveal] of reveals) {
    const bundle = held.get(of)!;
    if (reveal === 'self-mask') selfMaskShares.push({ of, share: toBase64(bundle.selfMaskShare) });
    else maskKeyShares.push({ of, share: toBase64(bundle.maskKeyShare) });
  }
  return { selfMaskShares, maskKeyShares };
}
