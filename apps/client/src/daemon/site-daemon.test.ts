import { FlEvent, FlRoute, SiteReport, fail } from '@fedfuse/protocol';
import { describe, expect, it } from 'vitest';

import { useDaemonSite } from '../testing/daemon-site.ts';
import { AUTH } from '../testing/scripted-coordinator.ts';
import { SiteDaemon } from './site-daemon.ts';

const site = useDaemonSite();
const messages = () => site.memory.entries().map((e) => e.msg);

describe(`${SiteDaemon.name} handshake`, () => {
  it('signs a fresh challenge into the socket auth on every connect and reconnect, and reports the site', async () => {
    const { coordinator } = site.env;
    await site.launch();
    const first = await coordinator.next(FlEvent.siteReport, 0);
    const report = SiteReport.parse(first.payload);
    expect(report).toEqual({
      softwareVersion: '0.1.0',
      backend: 'wasm',
      combinations: {
        'ehr.imaging.genomics': 10,
        'ehr.imaging': 3,
        'ehr.genomics': 5,
        'imaging.genomics': 2,
        ehr: 2,
        imaging: 1,
        genomics: 1,
      },
      // 18 labelled for training, 3 of them held out for validation.
      trainPatients: 15,
      testPatients: 6,
      schema: {
        modalities: ['ehr', 'imaging', 'genomics'],
        ehr: {
          dim: 4,
          namesHash: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
          names: ['age', 'bmi', 'age_missing', 'bmi_missing'],
        },
        genomics: { genes: 8, panelHash: expect.stringMatching(/^[0-9a-f]{64}$/) as string },
        imageShape: [8, 8, 1],
        imageTexture: null, // 15 training patients, not all with an image: under 10 images, no sums
        // 3 of the labelled training patients per task are the validation split.
        tasks: {
          cancer: { train: 15, validation: 3, test: 6 },
          cardiac: { train: 14, validation: 3, test: 6 },
        },
      },
    });
    expect(coordinator.count(FlRoute.challenge)).toBe(1);
    expect(coordinator.count(AUTH)).toBe(1);

    // The coordinator drops the socket: the daemon reconnects itself.
    first.socket!.disconnect(true);
    const second = await coordinator.next(FlEvent.siteReport, 1);
    // The network drops: socket.io reconnects, and asks for the auth again.
    second.socket!.conn.close();
    await coordinator.next(FlEvent.siteReport, 2);
    expect(coordinator.count(FlRoute.challenge)).toBe(3);
    expect(coordinator.count(AUTH)).toBe(3);
    const nonces = coordinator.received
      .filter((r) => r.event === AUTH)
      .map((r) => (r.payload as { nonce: string }).nonce);
    expect(new Set(nonces).size).toBe(3);
    expect(messages().filter((m) => m === 'handshake accepted')).toHaveLength(3);
  });

  it('waits for the operator while pending approval, then joins once approved', async () => {
    const { coordinator } = site.env;
    coordinator.status = 'pending';
    await site.launch();
    await coordinator.next(FlRoute.challenge, 1);
    expect(coordinator.count(AUTH)).toBe(0);
    expect(coordinator.count(FlEvent.siteReport)).toBe(0);
    expect(messages()).toContain('waiting for the operator');
    coordinator.status = 'approved';
    await coordinator.next(FlEvent.siteReport, 0);
  });

  it('exits with code 3 when the site was revoked', async () => {
    site.env.coordinator.status = 'revoked';
    const daemon = await site.launch();
    await expect(daemon.exited).resolves.toBe(3);
    expect(site.memory.entries().some((e) => e.code === 'revoked')).toBe(true);
  });

  it("exits with code 3 when the coordinator's middleware refuses the connection as revoked", async () => {
    site.env.coordinator.respond(AUTH, () => fail('revoked', 'revoked between challenge and connection'));
    const daemon = await site.launch();
    await expect(daemon.exited).resolves.toBe(3);
    expect(site.env.coordinator.count(AUTH)).toBe(1);
    expect(site.memory.entries()).toContainEqual(
      expect.objectContaining({ msg: 'the coordinator refused this site', code: 'revoked' }),
    );
  });

  it('retries with a fresh challenge when the middleware refuses the connection for a passing reason', async () => {
    let refused = 0;
    site.env.coordinator.respond(AUTH, () =>
      refused++ === 0 ? fail('rate_limited', 'too many connections') : { ok: true, data: undefined },
    );
    await site.launch();
    await site.env.coordinator.next(FlEvent.siteReport, 0);
    expect(site.env.coordinator.count(FlRoute.challenge)).toBe(2);
    expect(site.memory.entries()).toContainEqual(
      expect.objectContaining({ msg: 'handshake failed; retrying', code: 'rate_limited' }),
    );
  });

  it('exits with code 3 when the challenge is signed by another key than the pinned one', async () => {
    const { Identity, createChallenge, NonceCache } = await import('@fedfuse/crypto');
    const impostor = Identity.generate({ role: 'coordinator', id: 'impostor' });
    site.env.coordinator.respond(FlRoute.challenge, () =>
      createChallenge({
        coordinator: impostor,
        siteId: site.env.siteId,
        protocolVersion: 1,
        nonces: new NonceCache(),
        now: Date.now(),
      }),
    );
    const daemon = await site.launch();
    await expect(daemon.exited).resolves.toBe(3);
    expect(site.env.coordinator.count(AUTH)).toBe(0);
    expect(site.memory.entries().some((e) => e.code === 'wrong_coordinator')).toBe(true);
  });
});
