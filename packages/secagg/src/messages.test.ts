import { Identity, LOW_ORDER_POINTS } from '@fedfuse/crypto';
import { describe, expect, it } from 'vitest';

import { signAdvertisement } from './advertise.ts';
import type { Advertisement } from './messages.ts';
import type { SecAggLayout } from './quantize.ts';
import { SecAggServer } from './server.ts';
import { SecAggSite } from './site.ts';
import { federation } from './testing/harness.ts';

const LAYOUT: SecAggLayout = { length: 8, groups: [{ name: 'all', ranges: [{ offset: 0, length: 8 }] }] };
const plan = {
  sites: 4,
  toleratedDropouts: 0,
  toleratedColluders: 1,
  graph: 'complete' as const,
  maxExamples: 1024,
};

const refusedWith = (code: string, text?: string): unknown =>
  expect.objectContaining({
    name: 'SecAggError',
    code,
    ...(text ? { message: expect.stringContaining(text) as unknown } : {}),
  });

function flip(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0]! ^= 1;
  return bytes.toString('base64');
}

describe('refused messages', () => {
  it('a malformed advertisement is refused naming the field', () => {
    const fed = federation({ plan, layout: LAYOUT });
    const ad = fed.sites[0]!.advertise();
    expect(() => fed.server.receiveAdvertisement({ ...ad, modelHash: 'xyz' })).toThrow(
      refusedWith('invalid_payload', 'modelHash'),
    );
    expect(() => fed.server.receiveAdvertisement({ ...ad, extra: 1 })).toThrow(
      refusedWith('invalid_payload'),
    );
    fed.server.receiveAdvertisement(ad); // nothing was changed by the refusals
  });

  it('tampered, foreign, replayed and misbound advertisements are refused with their codes', () => {
    const fed = federation({ plan, layout: LAYOUT });
    const ad = fed.sites[0]!.advertise();
    expect(() => fed.server.receiveAdvertisement({ ...ad, maskKey: flip(ad.maskKey) })).toThrow(
      refusedWith('bad_signature'),
    );
    const stranger = new SecAggSite({
      round: {
        ...fed.round,
        roster: new Map([...fed.round.roster].slice(1)).set('site-x', new Uint8Array(32)),
      },
      identity: Identity.generate({ role: 'site', id: 'site-x' }),
    });
    expect(() => fed.server.receiveAdvertisement(stranger.advertise())).toThrow(refusedWith('unknown_site'));
    const impostor = new SecAggSite({
      round: fed.round,
      identity: Identity.generate({ role: 'site', id: 'site-1' }),
    });
    expect(() => fed.server.receiveAdvertisement(impostor.advertise())).toThrow(refusedWith('bad_signature'));
    const lastRound = new SecAggSite({
      round: { ...fed.round, roundId: 'round-0' },
      identity: fed.identities[2]!,
    });
    expect(() => fed.server.receiveAdvertisement(lastRound.advertise())).toThrow(refusedWith('wrong_round'));
    const otherModel = new SecAggSite({
      round: { ...fed.round, modelHash: 'cd'.repeat(32) },
      identity: fed.identities[2]!,
    });
    expect(() => fed.server.receiveAdvertisement(otherModel.advertise())).toThrow(refusedWith('wrong_model'));
    const otherRun = new SecAggSite({
      round: { ...fed.round, runId: 'run-2' },
      identity: fed.identities[2]!,
    });
    expect(() => fed.server.receiveAdvertisement(otherRun.advertise())).toThrow(refusedWith('wrong_run'));
    const sameKeys = signAdvertisement({
      round: fed.round,
      identity: fed.identities[3]!,
      siteId: fed.identities[3]!.id,
      keys: { shareKey: Buffer.from(ad.maskKey, 'base64'), maskKey: Buffer.from(ad.maskKey, 'base64') },
    });
    expect(() => fed.server.receiveAdvertisement(sameKeys)).toThrow(
      refusedWith('replayed', 'already advertised'),
    );
    fed.server.receiveAdvertisement(ad);
    expect(() => fed.server.receiveAdvertisement(ad)).toThrow(refusedWith('replayed'));
  });

  it('a site known to the roster by another id than its identity label advertises under the roster id', () => {
    const fed = federation({ plan, layout: LAYOUT });
    const keys = Identity.generate({ role: 'site', id: 'st-marys-local-name' });
    const roster = new Map(fed.round.roster);
    roster.delete('site-0');
    roster.set('enrolled-0', keys.signingPublicKey);
    const round = { ...fed.round, roster };
    const server = new SecAggServer({ round });
    const site = new SecAggSite({ round, identity: keys, siteId: 'enrolled-0' });
    expect(site.id).toBe('enrolled-0');
    const ad = site.advertise();
    expect(ad.siteId).toBe('enrolled-0');
    server.receiveAdvertisement(ad);
    // Another site's id with these keys: not the key the roster holds for it.
    const impostor = new SecAggSite({ round, identity: keys, siteId: 'site-1' });
    expect(() => server.receiveAdvertisement(impostor.advertise())).toThrow(refusedWith('bad_signature'));
    expect(() => new SecAggSite({ round, identity: keys })).toThrow(refusedWith('unknown_site'));
  });

  it('low-order X25519 keys are refused by the server and by every site', async () => {
    const fed = federation({ plan, layout: LAYOUT });
    const ads = fed.sites.map((s) => s.advertise());
    for (const point of LOW_ORDER_POINTS) {
      const bad: Advertisement = signAdvertisement({
        round: fed.round,
        identity: fed.identities[3]!,
        siteId: fed.identities[3]!.id,
        keys: { shareKey: point, maskKey: Buffer.from(ads[3]!.maskKey, 'base64') },
      });
      expect(() => fed.server.receiveAdvertisement(bad)).toThrow(refusedWith('low_order_key', 'shareKey'));
      const forwarded = { roundId: 'round-1', advertisements: [...ads.slice(0, 3), bad] };
      await expect(fed.sites[0]!.shareKeys(forwarded)).rejects.toEqual(refusedWith('low_order_key'));
    }
  });

  it('a site refuses forwarded keys that repeat a site, drop its own, or fall below the threshold', async () => {
    const fed = federation({ plan, layout: LAYOUT });
    const ads = fed.sites.map((s) => s.advertise());
    const site = fed.sites[0]!;
    await expect(site.shareKeys({ roundId: 'round-1', advertisements: [...ads, ads[1]] })).rejects.toEqual(
      refusedWith('replayed'),
    );
    const swapped = fed.sites.map((s, i) =>
      i === 0 ? new SecAggSite({ round: fed.round, identity: fed.identities[0]! }).advertise() : ads[i]!,
    );
    await expect(site.shareKeys({ roundId: 'round-1', advertisements: swapped })).rejects.toEqual(
      refusedWith('inconsistent_lists'),
    );
    await expect(site.shareKeys({ roundId: 'round-1', advertisements: ads.slice(0, 2) })).rejects.toEqual(
      refusedWith('below_threshold'),
    );
    await expect(site.shareKeys({ roundId: 'round-0', advertisements: ads })).rejects.toEqual(
      refusedWith('wrong_round'),
    );
    await expect(site.shareKeys({ roundId: 'round-1', advertisements: ads })).resolves.toMatchObject({
      siteId: 'site-0',
    });
  });

  it('tampered, misrouted and replayed share bundles and masked inputs are refused', async () => {
    const fed = federation({ plan, layout: LAYOUT });
    for (const s of fed.sites) fed.server.receiveAdvertisement(s.advertise());
    const keys = fed.server.closeAdvertise();
    const shares = await Promise.all(fed.sites.map((s) => s.shareKeys(keys)));
    expect(() => fed.server.receiveShareKeys({ ...shares[0]!, sessionId: '00'.repeat(32) })).toThrow(
      refusedWith('wrong_session'),
    );
    expect(() => fed.server.receiveShareKeys({ ...shares[0]!, shares: shares[0]!.shares.slice(1) })).toThrow(
      refusedWith('inconsistent_lists'),
    );
    for (const s of shares) fed.server.receiveShareKeys(s);
    expect(() => fed.server.receiveShareKeys(shares[0])).toThrow(refusedWith('replayed'));
    const forwarded = fed.server.closeShareKeys();
    const mine = forwarded.get('site-0')!;
    const update = { weights: new Float32Array(8).fill(0.5), numExamples: 10 };
    const tampered = {
      ...mine,
      shares: mine.shares.map((s, i) => (i === 0 ? { ...s, ciphertext: flip(s.ciphertext) } : s)),
    };
    expect(() => fed.sites[0]!.maskInput(tampered, update)).toThrow(refusedWith('bad_signature'));
    // A bundle for site-1 forwarded to site-0 does not open for it either.
    const misrouted = {
      ...mine,
      shares: [
        {
          from: 'site-2',
          ciphertext: forwarded.get('site-1')!.shares.find((s) => s.from === 'site-2')!.ciphertext,
        },
        ...mine.shares.filter((s) => s.from !== 'site-2'),
      ],
    };
    expect(() => fed.sites[0]!.maskInput(misrouted, update)).toThrow(refusedWith('bad_signature'));
    const input = fed.sites[0]!.maskInput(mine, update);
    fed.server.receiveMaskedInput(input);
    expect(() => fed.server.receiveMaskedInput(input)).toThrow(refusedWith('replayed'));
    expect(() =>
      fed.server.receiveMaskedInput({ ...input, siteId: 'site-1', masked: input.masked.subarray(4) }),
    ).toThrow(refusedWith('invalid_payload', 'bytes'));
  });

  it('a bundle from last round’s session does not open in this one', async () => {
    const first = federation({ plan, layout: LAYOUT });
    const second: typeof first = { ...first, round: { ...first.round, roundId: 'round-2' } };
    const sites2 = first.identities.map((identity) => new SecAggSite({ round: second.round, identity }));
    const server2 = new SecAggServer({ round: second.round });
    for (const s of first.sites) first.server.receiveAdvertisement(s.advertise());
    for (const s of sites2) server2.receiveAdvertisement(s.advertise());
    const keys1 = first.server.closeAdvertise();
    const keys2 = server2.closeAdvertise();
    const old = await first.sites[1]!.shareKeys(keys1);
    await sites2[0]!.shareKeys(keys2);
    const fresh = await sites2[1]!.shareKeys(keys2);
    const replay = {
      roundId: 'round-2',
      sessionId: fresh.sessionId,
      shares: [{ from: 'site-1', ciphertext: old.shares.find((s) => s.to === 'site-0')!.ciphertext }],
    };
    expect(() => sites2[0]!.maskInput(replay, { weights: new Float32Array(8), numExamples: 1 })).toThrow(
      refusedWith('bad_signature'),
    );
  });
});
