import { randomFillSync } from 'node:crypto';

import { toHex, x25519Agreement } from '@fedfuse/crypto';
import type { Identity } from '@fedfuse/crypto';
import { split } from 'shamir-secret-sharing';

import { sessionIdOf, signAdvertisement, verifyAdvertisedKeys } from './advertise.ts';
import type { SiteKeys } from './advertise.ts';
import { wordsToBytes } from './bytes.ts';
import { signSurvivors } from './consistency.ts';
import { check } from './errors.ts';
import { neighbourhoods } from './graph.ts';
import type { RandomBytes, RoundKeyPair } from './keys.ts';
import { generateKeyPair } from './keys.ts';
import { addPairMask, addSelfMask, selfMaskCommitment } from './masks.ts';
import {
  AdvertisedKeys,
  ConsistencyCheck,
  ForwardedShares,
  UnmaskRequest,
  parseMessage,
} from './messages.ts';
import type {
  Advertisement,
  ConsistencySignature,
  MaskedInput,
  ShareKeys,
  UnmaskResponse,
} from './messages.ts';
import { encodeUpdate } from './quantize.ts';
import type { SiteUpdate } from './quantize.ts';
import { RevealLedger } from './reveal-ledger.ts';
import type { SecAggRound } from './round.ts';
import { checkDistinct, checkRound, checkRoundId, checkSession } from './round.ts';
import { openShareBundle, sealShareBundle } from './share-box.ts';
import type { ShareBoxParties, ShareBundle } from './share-box.ts';
import { checkSurvivorList, planReveals, revealShares } from './site-unmask.ts';

/** CSPRNG bytes straight into a fresh buffer of their own: no copy, and never a slice of Buffer's shared pool. */
function freshRandomBytes(size: number): Uint8Array {
  return randomFillSync(new Uint8Array(size));
}

type SiteStage = 'new' | 'advertised' | 'sharing' | 'shared' | 'masked' | 'signed';

/** The session a site joined once it checked every advertisement. */
interface SiteSession {
  id: Uint8Array;
  hex: string;
  keys: Map<string, SiteKeys>;
  neighbours: Set<string>;
  /** Shares this site holds, its own included, by whose secret they are (filled at stage 2). */
  held: Map<string, ShareBundle>;
  /** The survivor list this site signed, and its signature (stage 3). */
  signed?: { survivors: string[]; signature: string };
}

/**
 * One site's side of a secure-aggregation round (Bonawitz et al. 2017, optionally SecAgg+'s sparse graph).
 * Each method takes the server's message as received (unknown), checks it, and returns the site's reply;
 * a refused message throws a SecAggError and leaves the site as it was. No sockets, no clock.
 * @example const site = new SecAggSite({ round, identity }); send(site.advertise());
 */
export class SecAggSite {
  private stage: SiteStage = 'new';
  private readonly shareKeyPair: RoundKeyPair;
  private readonly maskKeyPair: RoundKeyPair;
  private readonly selfMaskSeed: Uint8Array;
  private readonly random: RandomBytes;
  private readonly ledger = new RevealLedger();
  private session: SiteSession | undefined;
  private ownShares: ShareBundle | undefined;

  /**
   * `siteId`: the id the roster knows this site by, when it differs from the identity's own label (a daemon's
   * identity is named at `init`, its id is the one the coordinator gave it at enrollment).
   */
  constructor(
    private readonly args: {
      round: SecAggRound;
      identity: Identity;
      siteId?: string;
      random?: RandomBytes;
      /** Test only (the privacy scan's needles): a copy of the quantised update before any mask is added. */
      onQuantised?: (words: Uint32Array) => void;
    },
  ) {
    checkRound(args.round);
    const id = args.siteId ?? args.identity.id;
    check(args.round.roster.has(id), 'unknown_site', () => `site ${id} is not in the roster`);
    this.random = args.random ?? freshRandomBytes;
    this.shareKeyPair = generateKeyPair(this.random);
    this.maskKeyPair = generateKeyPair(this.random);
    this.selfMaskSeed = this.random(32);
  }

  /** This site's id. */
  get id(): string {
    return this.args.siteId ?? this.args.identity.id;
  }

  private get round(): SecAggRound {
    return this.args.round;
  }

  private expect(stage: SiteStage, what: string): void {
    check(
      this.stage === stage,
      'wrong_stage',
      () => `${what} arrived while site ${this.id} is at stage '${this.stage}'`,
    );
  }

  /** Stage 0: this round's two X25519 key pairs, advertised under the site's identity key. */
  advertise(): Advertisement {
    this.expect('new', 'advertise');
    this.stage = 'advertised';
    return this.ownAdvertisement();
  }

  private ownAdvertisement(): Advertisement {
    const keys = { shareKey: this.shareKeyPair.publicKey, maskKey: this.maskKeyPair.publicKey };
    return signAdvertisement({ round: this.round, identity: this.args.identity, siteId: this.id, keys });
  }

  /** Stage 1: check every forwarded advertisement, then Shamir-share the mask key and self-mask seed to the neighbours. */
  async shareKeys(raw: unknown): Promise<ShareKeys> {
    this.expect('advertised', 'advertised keys');
    const message = parseMessage(AdvertisedKeys, raw, 'advertised keys');
    const { threshold, degree } = this.round.plan;
    const keys = verifyAdvertisedKeys({
      round: this.round,
      message,
      own: this.ownAdvertisement(),
      threshold,
    });
    const id = sessionIdOf(this.round, keys);
    const neighbours = neighbourhoods([...keys.keys()], degree, id).get(this.id)!;
    const holders = [this.id, ...[...neighbours].sort()];
    check(
      holders.length >= threshold,
      'below_threshold',
      () => `site ${this.id} has ${holders.length - 1} neighbours; ${threshold} shares are needed`,
    );
    this.stage = 'sharing';
    try {
      const maskShares = await split(this.maskKeyPair.secretKey, holders.length, threshold);
      const seedShares = await split(this.selfMaskSeed, holders.length, threshold);
      this.session = { id, hex: toHex(id), keys, neighbours, held: new Map() };
      this.ownShares = { maskKeyShare: maskShares[0]!, selfMaskShare: seedShares[0]! };
      const agree = x25519Agreement(this.shareKeyPair.secretKey);
      const shares = holders.slice(1).map((to, i) => ({
        to,
        ciphertext: this.withParties({ agree, neighbour: to, direction: 'send' }, (p) =>
          sealShareBundle(p, { maskKeyShare: maskShares[i + 1]!, selfMaskShare: seedShares[i + 1]! }),
        ),
      }));
      this.stage = 'shared';
      const commitment = selfMaskCommitment(this.selfMaskSeed, id, this.id);
      return {
        siteId: this.id,
        roundId: this.round.roundId,
        sessionId: this.session.hex,
        selfMaskCommitment: commitment,
        shares,
      };
    } catch (err) {
      this.stage = 'advertised';
      this.session = undefined;
      throw err;
    }
  }

  /**
   * Run `fn` with the share-box parties for `neighbour`, wiping the X25519 secret afterwards; `agree` is
   * x25519Agreement of this site's share secret, made once per stage.
   */
  private withParties<T>(
    link: { agree: (peerKey: Uint8Array) => Uint8Array; neighbour: string; direction: 'send' | 'receive' },
    fn: (parties: ShareBoxParties) => T,
  ): T {
    const { agree, neighbour, direction } = link;
    const session = this.session!;
    const shared = agree(session.keys.get(neighbour)!.shareKey);
    const [from, to] = direction === 'send' ? [this.id, neighbour] : [neighbour, this.id];
    try {
      return fn({
        shared,
        sessionId: session.id,
        runId: this.round.runId,
        roundId: this.round.roundId,
        from,
        to,
      });
    } finally {
      shared.fill(0);
    }
  }

  /**
   * Stage 2: open the share bundles neighbours sent, then quantise `update` and add the self mask and a pair
   * mask per neighbour that shared keys. Returns the masked vector.
   */
  maskInput(raw: unknown, update: SiteUpdate): MaskedInput {
    this.expect('shared', 'forwarded shares');
    const session = this.session!;
    const message = parseMessage(ForwardedShares, raw, 'forwarded shares');
    checkRoundId(this.round, message.roundId, 'forwarded shares');
    checkSession(session.hex, message.sessionId, 'forwarded shares');
    checkDistinct(
      message.shares.map((s) => s.from),
      'forwarded shares',
    );
    for (const { from } of message.shares)
      check(
        session.neighbours.has(from),
        'inconsistent_lists',
        () => `forwarded shares include a bundle from ${from}, not a neighbour of ${this.id}`,
      );
    const agreeShare = x25519Agreement(this.shareKeyPair.secretKey);
    const held = new Map(
      message.shares.map(({ from, ciphertext }) => [
        from,
        this.withParties({ agree: agreeShare, neighbour: from, direction: 'receive' }, (p) =>
          openShareBundle(p, ciphertext),
        ),
      ]),
    );
    const { threshold } = this.round.plan;
    check(
      held.size + 1 >= threshold,
      'below_threshold',
      () => `${held.size} neighbours of ${this.id} shared keys; the threshold needs ${threshold - 1}`,
    );
    const target = encodeUpdate({
      plan: this.round.plan,
      layout: this.round.layout,
      update,
      random: this.random,
    });
    this.args.onQuantised?.(target.slice());
    addSelfMask({ target, seed: this.selfMaskSeed, sessionId: session.id, site: this.id });
    const agreeMask = x25519Agreement(this.maskKeyPair.secretKey);
    for (const neighbour of held.keys()) {
      const peerKey = session.keys.get(neighbour)!.maskKey;
      addPairMask({
        target,
        agree: agreeMask,
        peerKey,
        sessionId: session.id,
        site: this.id,
        neighbour,
      });
    }
    held.set(this.id, this.ownShares!);
    session.held = held;
    this.stage = 'masked';
    return {
      siteId: this.id,
      roundId: this.round.roundId,
      sessionId: session.hex,
      masked: wordsToBytes(target),
    };
  }

  /** Stage 3a: sign the server's survivor list (once; the same list again gets the same signature). */
  signSurvivors(raw: unknown): ConsistencySignature {
    const session = this.session;
    check(
      this.stage === 'masked' || this.stage === 'signed',
      'wrong_stage',
      () => `survivor list arrived while site ${this.id} is at stage '${this.stage}'`,
    );
    const message = parseMessage(ConsistencyCheck, raw, 'survivor list');
    checkRoundId(this.round, message.roundId, 'survivor list');
    checkSession(session!.hex, message.sessionId, 'survivor list');
    const survivors = [...message.survivors].sort();
    checkSurvivorList({
      survivors,
      site: this.id,
      advertised: session!.keys,
      threshold: this.round.plan.threshold,
    });
    if (session!.signed) {
      const same = session!.signed.survivors.join('\n') === survivors.join('\n');
      check(
        same,
        'inconsistent_lists',
        () => `site ${this.id} already signed another survivor list this round`,
      );
    } else {
      const signature = signSurvivors({
        round: this.round,
        identity: this.args.identity,
        sessionId: session!.id,
        survivors,
      });
      session!.signed = { survivors, signature };
    }
    this.stage = 'signed';
    return {
      siteId: this.id,
      roundId: this.round.roundId,
      sessionId: session!.hex,
      signature: session!.signed.signature,
    };
  }

  /**
   * Stage 3b: for each neighbour reveal the self-mask share if the server lists it alive or the mask-key share
   * if it lists it dropped, never both; refuses lists that overlap, repeat, name non-neighbours, disagree with
   * the signed survivor list, or leave fewer than the threshold alive.
   */
  unmask(raw: unknown): UnmaskResponse {
    this.expect('signed', 'unmask request');
    const session = this.session!;
    const message = parseMessage(UnmaskRequest, raw, 'unmask request');
    checkRoundId(this.round, message.roundId, 'unmask request');
    checkSession(session.hex, message.sessionId, 'unmask request');
    const reveals = planReveals({
      round: this.round,
      site: this.id,
      session: { ...session, signed: session.signed! },
      message,
    });
    this.ledger.commit(reveals);
    return {
      siteId: this.id,
      roundId: this.round.roundId,
      sessionId: session.hex,
      ...revealShares(reveals, session.held),
    };
  }
}
