import { equalBytes, fromBase64, fromHex, x25519Agreement } from '@fedfuse/crypto';
import { combine } from 'shamir-secret-sharing';
import { describe, expect, it } from 'vitest';

import { bytesToWords } from './bytes.ts';
import { x25519PublicKey } from './keys.ts';
import { addPairMask } from './masks.ts';
import type { AdvertisedKeys, ConsistencySignature, MaskedInput, UnmaskRequest } from './messages.ts';
import type { SecAggLayout } from './quantize.ts';
import { federation } from './testing/harness.ts';
import type { Federation } from './testing/harness.ts';

const LAYOUT: SecAggLayout = { length: 64, groups: [{ name: 'all', ranges: [{ offset: 0, length: 64 }] }] };
const plan = {
  sites: 5,
  toleratedDropouts: 1,
  toleratedColluders: 1,
  graph: 'complete' as const,
  maxExamples: 1024,
};
const VICTIM = 'site-4';

/** Every site up to its masked input, with the server's honest bookkeeping; the test then plays a lying server. */
async function maskedRound(): Promise<{
  fed: Federation;
  keys: AdvertisedKeys;
  masked: Map<string, MaskedInput>;
  weights: Float32Array[];
}> {
  const fed = federation({ plan, layout: LAYOUT });
  for (const site of fed.sites) fed.server.receiveAdvertisement(site.advertise());
  const keys = fed.server.closeAdvertise();
  for (const site of fed.sites) fed.server.receiveShareKeys(await site.shareKeys(keys));
  const forwarded = fed.server.closeShareKeys();
  const weights = fed.sites.map((_, k) => Float32Array.from({ length: 64 }, (_, i) => Math.cos(i + k)));
  const masked = new Map(
    fed.sites.map((site, k) => [
      site.id,
      site.maskInput(forwarded.get(site.id), { weights: weights[k]!, numExamples: 1000 }),
    ]),
  );
  return { fed, keys, masked, weights };
}

function sessionOf(masked: Map<string, MaskedInput>): string {
  return masked.get(VICTIM)!.sessionId;
}

describe('a server lying about dropouts', () => {
  it('claiming a live site dropped, against the signed survivor list: every site refuses', async () => {
    const { fed, masked } = await maskedRound();
    for (const [, m] of masked) fed.server.receiveMaskedInput(m);
    const check = fed.server.closeMaskedInput();
    for (const site of fed.sites) fed.server.receiveConsistencySignature(site.signSurvivors(check));
    const honest = fed.server.closeConsistency().get('site-0')!;
    const lie: UnmaskRequest = {
      ...honest,
      alive: honest.alive.filter((id) => id !== VICTIM),
      dropped: [VICTIM],
    };
    expect(() => fed.sites[0]!.unmask(lie)).toThrow(
      expect.objectContaining({
        code: 'inconsistent_lists',
        message: expect.stringContaining('on the signed survivor list') as unknown,
      }),
    );
    const refusals: [Partial<UnmaskRequest>, string, string][] = [
      [{ dropped: [VICTIM] }, 'inconsistent_lists', 'listed twice'], // overlap
      [{ alive: [...honest.alive, 'site-1'] }, 'inconsistent_lists', 'listed twice'], // repeat
      [{ alive: [...honest.alive, 'site-9'] }, 'inconsistent_lists', 'not a neighbour'],
      [{ alive: honest.alive.slice(1) }, 'inconsistent_lists', 'leaves out'],
      [{ signatures: honest.signatures.slice(0, 3) }, 'below_threshold', '3 survivors signed'],
      [
        { signatures: honest.signatures.map((x, i) => (i === 0 ? { ...x, siteId: 'site-9' } : x)) },
        'unknown_site',
        'site-9',
      ],
    ];
    for (const [change, code, text] of refusals)
      expect(() => fed.sites[0]!.unmask({ ...honest, ...change })).toThrow(
        expect.objectContaining({ code, message: expect.stringContaining(text) as unknown }),
      );
    // Refused without effect: the honest request is still answered, with the victim's self-mask share only.
    const answer = fed.sites[0]!.unmask(honest);
    expect(answer.maskKeyShares).toEqual([]);
    expect(answer.selfMaskShares.map((s) => s.of)).toContain(VICTIM);
  });

  it('leaving a live site off the survivor list gets its mask key, never its self mask: its update stays hidden', async () => {
    const { fed, keys, masked, weights } = await maskedRound();
    const maskKeyOf = (id: string): Uint8Array =>
      fromBase64(keys.advertisements.find((a) => a.siteId === id)!.maskKey, 32, 'key');
    const others = fed.sites.filter((s) => s.id !== VICTIM);
    const survivors = others.map((s) => s.id);
    const session = sessionOf(masked);
    const check = { roundId: 'round-1', sessionId: session, survivors };
    const signatures: ConsistencySignature[] = others.map((s) => s.signSurvivors(check));
    // The victim will not sign a list without itself.
    expect(() => fed.sites[4]!.signSurvivors(check)).toThrow(
      expect.objectContaining({ code: 'inconsistent_lists' }),
    );
    const request = (alive: string[], dropped: string[], list = survivors): UnmaskRequest => ({
      roundId: 'round-1',
      sessionId: session,
      survivors: list,
      signatures: signatures.map(({ siteId, signature }) => ({ siteId, signature })),
      alive,
      dropped,
    });
    const keyShares = others.map((s) =>
      s.unmask(request(survivors, [VICTIM])).maskKeyShares.find((x) => x.of === VICTIM)!,
    );
    expect(keyShares).toHaveLength(4);
    // Now it asks for the victim's self-mask share too: a list with the victim alive was never signed by anyone.
    const everyone = [...survivors, VICTIM];
    for (const site of others) {
      expect(() => site.unmask(request(everyone, [], everyone))).toThrow(
        expect.objectContaining({ code: 'inconsistent_lists' }),
      );
      expect(() => site.signSurvivors({ ...check, survivors: everyone })).toThrow(
        expect.objectContaining({ code: 'inconsistent_lists' }),
      );
    }
    // With the rebuilt mask key it strips the victim's pair masks, and is left with x + PRG(self-mask seed).
    const secretKey = await combine(keyShares.map((s) => fromBase64(s.share, 33, 'share')));
    expect(equalBytes(x25519PublicKey(secretKey), maskKeyOf(VICTIM))).toBe(true);
    const y = bytesToWords(masked.get(VICTIM)!.masked, 65, 'masked').slice();
    const sessionId = fromHex(session);
    for (const other of others) {
      addPairMask({
        target: y,
        agree: x25519Agreement(secretKey),
        peerKey: maskKeyOf(other.id),
        sessionId,
        site: VICTIM,
        neighbour: other.id,
        negate: true,
      });
    }
    const scale = (2 ** (fed.round.plan.levelsLog2 - 1) - 1) / fed.round.plan.clip;
    const guess = Array.from(y.subarray(0, 64), (q) => (q | 0) / scale / (1000 / 1024));
    const close = guess.filter((g, i) => Math.abs(g - weights[4]![i]!) < 0.01).length;
    expect(close).toBeLessThan(4); // a random word lands within 0.01 of a weight with chance ~1e-5 each
    expect(y[64]).not.toBe(1000); // nor does the example count show through
  });
});
