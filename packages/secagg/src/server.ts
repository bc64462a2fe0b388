import { toHex } from '@fedfuse/crypto';

import { sessionIdOf, verifyAdvertisement } from './advertise.ts';
import type { SiteKeys } from './advertise.ts';
import { bytesToWords } from './bytes.ts';
import { verifySurvivorSignatures } from './consistency.ts';
import { SecAggError, check } from './errors.ts';
import { neighbourhoods } from './graph.ts';
import {
  Advertisement,
  ConsistencySignature,
  MaskedInput,
  ShareKeys,
  UnmaskResponse,
  parseMessage,
} from './messages.ts';
import type { AdvertisedKeys, ConsistencyCheck, ForwardedShares, UnmaskRequest } from './messages.ts';
import type { DecodedAggregate } from './quantize.ts';
import { maskedLength } from './quantize.ts';
import type { SecAggRound } from './round.ts';
import { checkDistinct, checkRound, checkRoundId, checkSession } from './round.ts';
import { checkRevealed, unmaskSum } from './server-unmask.ts';

type ServerStage =
  'advertise' | 'share-keys' | 'masked-input' | 'consistency' | 'unmask' | 'done' | 'aborted';

/** The aggregate of a completed round and who is in it. */
export interface SecAggAggregate extends DecodedAggregate {
  /** Sites whose masked inputs are in the sum. */
  survivors: string[];
  /** Sites that shared keys but sent no masked input: their masks were rebuilt and removed. */
  dropped: string[];
}

interface ServerSession {
  id: Uint8Array;
  hex: string;
  neighbours: Map<string, Set<string>>;
}

/**
 * The server's side of a secure-aggregation round: collects each stage's messages (`receive*`, which check
 * and refuse one message without changing anything), closes the stage once the driver stops waiting
 * (`close*`, which aborts the round with `below_threshold` when fewer than the threshold answered), and in
 * `finish()` rebuilds the secrets it is allowed, removes the masks and de-quantises. It only ever learns the sum.
 * @example const server = new SecAggServer({ round }); server.receiveAdvertisement(raw); const keys = server.closeAdvertise();
 */
export class SecAggServer {
  private stage: ServerStage = 'advertise';
  private readonly adverts = new Map<string, { message: Advertisement; keys: SiteKeys }>();
  private session: ServerSession | undefined;
  private readonly shared = new Map<string, ShareKeys>();
  /** Per site, the neighbours whose bundles it was forwarded: the pair masks it added. */
  private readonly forwarded = new Map<string, Set<string>>();
  /** Sites whose masked input is in `sum`: the server keeps only the running sum, never one site's vector. */
  private readonly masked = new Set<string>();
  private sum: Uint32Array | undefined;
  private survivors: string[] = [];
  private readonly signatures = new Map<string, string>();
  private readonly requests = new Map<string, UnmaskRequest>();
  private readonly responses = new Map<string, UnmaskResponse>();

  constructor(private readonly args: { round: SecAggRound }) {
    checkRound(args.round);
  }

  private get round(): SecAggRound {
    return this.args.round;
  }

  private expect(stage: ServerStage, what: string): void {
    check(
      this.stage === stage,
      'wrong_stage',
      () => `${what} arrived while the round is at stage '${this.stage}'`,
    );
  }

  /** Abort unless `count` reaches the threshold; an aborted round answers nothing more. */
  private requireThreshold(count: number, what: string): void {
    if (count >= this.round.plan.threshold) return;
    this.stage = 'aborted';
    throw new SecAggError(
      'below_threshold',
      `${count} ${what}, fewer than the threshold ${this.round.plan.threshold}: round aborted`,
    );
  }

  /** Stage 0: accept one site's signed advertisement. */
  receiveAdvertisement(raw: unknown): void {
    this.expect('advertise', 'an advertisement');
    const message = parseMessage(Advertisement, raw, 'advertisement');
    const keys = verifyAdvertisement(this.round, message);
    check(
      !this.adverts.has(message.siteId),
      'replayed',
      () => `${message.siteId} already advertised keys this round`,
    );
    const used = new Set([...this.adverts.values()].flatMap((a) => [a.message.shareKey, a.message.maskKey]));
    const fresh =
      message.shareKey !== message.maskKey && !used.has(message.shareKey) && !used.has(message.maskKey);
    check(fresh, 'replayed', () => `${message.siteId} advertises a key that is already advertised`);
    this.adverts.set(message.siteId, { message, keys });
  }

  /** Close stage 0: the advertisements every site checks, and the session they commit to. */
  closeAdvertise(): AdvertisedKeys {
    this.expect('advertise', 'closing the advertisements');
    this.requireThreshold(this.adverts.size, 'sites advertised keys');
    const keys = new Map([...this.adverts].map(([id, a]) => [id, a.keys]));
    const id = sessionIdOf(this.round, keys);
    this.session = {
      id,
      hex: toHex(id),
      neighbours: neighbourhoods([...keys.keys()].sort(), this.round.plan.degree, id),
    };
    this.stage = 'share-keys';
    return { roundId: this.round.roundId, advertisements: [...this.adverts.values()].map((a) => a.message) };
  }

  private checkBound(message: { roundId: string; sessionId: string }, what: string): ServerSession {
    checkRoundId(this.round, message.roundId, what);
    checkSession(this.session!.hex, message.sessionId, what);
    return this.session!;
  }

  /** Stage 1: accept one site's encrypted share bundles (one per neighbour, opaque to the server). */
  receiveShareKeys(raw: unknown): void {
    this.expect('share-keys', 'share keys');
    const message = parseMessage(ShareKeys, raw, 'share keys');
    const from = message.siteId;
    check(this.adverts.has(from), 'unknown_site', () => `share keys from ${from}, which advertised no keys`);
    const session = this.checkBound(message, `share keys of ${from}`);
    check(!this.shared.has(from), 'replayed', () => `${from} already shared keys this round`);
    const to = message.shares.map((s) => s.to);
    checkDistinct(to, `share keys of ${from}`);
    const neighbours = session.neighbours.get(from)!;
    const exact = to.length === neighbours.size && to.every((id) => neighbours.has(id));
    check(
      exact,
      'inconsistent_lists',
      () => `share keys of ${from} are not addressed to exactly its ${neighbours.size} neighbours`,
    );
    this.shared.set(from, message);
  }

  /** Close stage 1: per site that shared keys, the bundles addressed to it. */
  closeShareKeys(): Map<string, ForwardedShares> {
    this.expect('share-keys', 'closing the key sharing');
    this.requireThreshold(this.shared.size, 'sites shared keys');
    const out = new Map<string, ForwardedShares>();
    for (const to of this.shared.keys()) {
      const shares = [...this.shared.values()].flatMap((m) =>
        m.shares.filter((s) => s.to === to).map((s) => ({ from: m.siteId, ciphertext: s.ciphertext })),
      );
      this.forwarded.set(to, new Set(shares.map((s) => s.from)));
      out.set(to, { roundId: this.round.roundId, sessionId: this.session!.hex, shares });
    }
    this.stage = 'masked-input';
    return out;
  }

  /** Stage 2: accept one site's masked input. */
  receiveMaskedInput(raw: unknown): void {
    this.expect('masked-input', 'a masked input');
    const message = parseMessage(MaskedInput, raw, 'masked input');
    const from = message.siteId;
    check(this.shared.has(from), 'unknown_site', () => `masked input from ${from}, which shared no keys`);
    this.checkBound(message, `masked input of ${from}`);
    check(!this.masked.has(from), 'replayed', () => `${from} already sent its masked input`);
    const words = bytesToWords(message.masked, maskedLength(this.round.layout), `masked input of ${from}`);
    const sum = (this.sum ??= new Uint32Array(words.length));
    for (let k = 0; k < sum.length; k++) sum[k] = sum[k]! + words[k]!;
    this.masked.add(from);
  }

  /** Close stage 2: the survivor list every survivor signs. */
  closeMaskedInput(): ConsistencyCheck {
    this.expect('masked-input', 'closing the masked inputs');
    this.requireThreshold(this.masked.size, 'masked inputs arrived');
    this.survivors = [...this.masked].sort();
    this.stage = 'consistency';
    return { roundId: this.round.roundId, sessionId: this.session!.hex, survivors: this.survivors };
  }

  /** Stage 3a: accept one survivor's signature over the survivor list. */
  receiveConsistencySignature(raw: unknown): void {
    this.expect('consistency', 'a survivor signature');
    const message = parseMessage(ConsistencySignature, raw, 'survivor signature');
    const from = message.siteId;
    check(
      this.masked.has(from),
      'unknown_site',
      () => `survivor signature from ${from}, which is not a survivor`,
    );
    const session = this.checkBound(message, `survivor signature of ${from}`);
    check(!this.signatures.has(from), 'replayed', () => `${from} already signed the survivor list`);
    verifySurvivorSignatures({
      round: this.round,
      sessionId: session.id,
      survivors: this.survivors,
      signatures: [message],
      threshold: 1,
    });
    this.signatures.set(from, message.signature);
  }

  /** Close stage 3a: per signer, which of its neighbours to unmask as alive or dropped. */
  closeConsistency(): Map<string, UnmaskRequest> {
    this.expect('consistency', 'closing the consistency check');
    this.requireThreshold(this.signatures.size, 'survivors signed the survivor list');
    const signatures = [...this.signatures].map(([siteId, signature]) => ({ siteId, signature }));
    const alive = new Set(this.survivors);
    for (const site of this.signatures.keys()) {
      const held = [site, ...this.forwarded.get(site)!].sort();
      this.requests.set(site, {
        roundId: this.round.roundId,
        sessionId: this.session!.hex,
        survivors: this.survivors,
        signatures,
        alive: held.filter((id) => alive.has(id)),
        dropped: held.filter((id) => !alive.has(id)),
      });
    }
    this.stage = 'unmask';
    return new Map(this.requests);
  }

  /** Stage 3b: accept one site's revealed shares (exactly what its request asked for). */
  receiveUnmaskResponse(raw: unknown): void {
    this.expect('unmask', 'an unmask response');
    const message = parseMessage(UnmaskResponse, raw, 'unmask response');
    const request = this.requests.get(message.siteId);
    check(
      request !== undefined,
      'unknown_site',
      () => `unmask response from ${message.siteId}, which was not asked`,
    );
    this.checkBound(message, `unmask response of ${message.siteId}`);
    check(
      !this.responses.has(message.siteId),
      'replayed',
      () => `${message.siteId} already answered the unmask request`,
    );
    checkRevealed(message, request);
    this.responses.set(message.siteId, message);
  }

  /**
   * Rebuild the self-mask seeds of the survivors and the mask keys of the dropped sites (each checked against
   * its commitment or advertised key), remove every mask and de-quantise. Aborts with `below_threshold` when
   * any secret has fewer shares than the threshold, having rebuilt nothing.
   */
  async finish(options: { current?: Float32Array } = {}): Promise<SecAggAggregate> {
    this.expect('unmask', 'finishing');
    this.requireThreshold(this.responses.size, 'sites answered the unmask request');
    const dropped = [...this.shared.keys()].filter((id) => !this.masked.has(id)).sort();
    try {
      const decoded = await unmaskSum({
        round: this.round,
        sessionId: this.session!.id,
        survivors: this.survivors,
        sum: this.sum!,
        responses: [...this.responses.values()],
        dropped,
        forwarded: this.forwarded,
        keys: new Map([...this.adverts].map(([id, a]) => [id, a.keys])),
        commitments: new Map([...this.shared].map(([id, m]) => [id, m.selfMaskCommitment])),
        ...options,
      });
      this.stage = 'done';
      return { ...decoded, survivors: this.survivors, dropped };
    } catch (err) {
      this.stage = 'aborted';
      throw err;
    }
  }
}
