import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlEvent, FlRoute, PROTOCOL_VERSION } from '@fedfuse/protocol';
import type { AuditEntry } from '@fedfuse/protocol';
import { Identity, respondToChallenge } from '@fedfuse/crypto';
import type { Harness } from './testing/harness.ts';
import { startHarness } from './testing/harness.ts';
import { TestSite } from './testing/test-site.ts';
import { ConnectionsService } from './services/connections.service.ts';
import { RegistryService } from './services/registry.service.ts';

let harness: Harness | undefined;
const sites: TestSite[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  sites.splice(0).forEach((s) => s.close());
  await harness?.close();
  harness = undefined;
});

/** An enrolled site that has not connected yet. */
async function enrolled(h: Harness, name: string, autoApprove = true): Promise<TestSite> {
  const token = await h.api<{ token: string }>('POST', '/api/tokens', { label: name, autoApprove });
  const site = new TestSite(h.coordinator.url, name);
  sites.push(site);
  expect((await site.enroll(token.body.token)).ok).toBe(true);
  return site;
}

async function post(h: Harness, route: string, o: { body: unknown; headers?: Record<string, string> }) {
  const response = await fetch(`${h.coordinator.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...o.headers },
    body: JSON.stringify(o.body),
  });
  return { status: response.status, body: await response.json() };
}

/** Watches a refused connection: it must never reach the gateway's connection handler. */
function watchConnections(h: Harness) {
  return vi.spyOn(h.coordinator.app.get(ConnectionsService), 'add');
}

async function siteRow(h: Harness, siteId: string) {
  const list = await h.api<
    { siteId: string; status: string; lastSeenAt: number | null; connected: boolean }[]
  >('GET', '/api/sites');
  return list.body.find((s) => s.siteId === siteId)!;
}

/** Refused connections that named `siteId`: audited as the system (the sender proved nothing), the site as subject. */
async function refusals(h: Harness, siteId: string) {
  const entries = await h.api<AuditEntry[]>('GET', '/api/audit?action=site.connection_refused');
  const naming = entries.body.filter((e) => e.subject === siteId);
  expect(naming.map((e) => e.actor)).toEqual(naming.map(() => ({ kind: 'system', id: 'coordinator' })));
  return naming.map((e) => e.details.code);
}

describe('the /fl middleware refuses before connecting, and stores nothing for', () => {
  it('a socket without auth', async () => {
    harness = await startHarness();
    const site = await enrolled(harness, 'A');
    const added = watchConnections(harness);
    expect(await site.connectWith({})).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(site.socket!.connected).toBe(false);
    expect(added).not.toHaveBeenCalled();
    expect(await siteRow(harness, site.siteId!)).toMatchObject({ lastSeenAt: null, connected: false });
    // Nothing names a site here, so nothing is audited either (strangers cannot fill the log).
    expect(await refusals(harness, site.siteId!)).toEqual([]);
  });

  it('a response signed with another key than the enrolled one', async () => {
    harness = await startHarness();
    const site = await enrolled(harness, 'A');
    const added = watchConnections(harness);
    const challenge = await site.challenge();
    if (!challenge.ok) throw new Error(challenge.error.message);
    const impostor = Identity.generate({ role: 'site', id: 'impostor' });
    const forged = respondToChallenge({ site: impostor, challenge: challenge.data });
    expect(await site.connectWith(forged)).toMatchObject({ ok: false, error: { code: 'bad_signature' } });
    expect(added).not.toHaveBeenCalled();
    expect(await siteRow(harness, site.siteId!)).toMatchObject({ lastSeenAt: null, connected: false });
    expect(await refusals(harness, site.siteId!)).toEqual(['bad_signature']);
  });

  it('a replayed response, even while the original connection is open', async () => {
    harness = await startHarness();
    const site = await enrolled(harness, 'A');
    expect((await site.handshake()).ok).toBe(true);
    const added = watchConnections(harness);
    const eavesdropper = new TestSite(harness.coordinator.url, 'Eavesdropper');
    sites.push(eavesdropper);
    expect(await eavesdropper.connectWith({ ...site.lastResponse! })).toMatchObject({
      ok: false,
      error: { code: 'replayed' },
    });
    expect(added).not.toHaveBeenCalled();
    expect(site.socket!.connected).toBe(true);
    expect(await refusals(harness, site.siteId!)).toEqual(['replayed']);
  });

  it('an expired challenge', async () => {
    harness = await startHarness();
    const site = await enrolled(harness, 'A');
    const challenge = await site.challenge();
    if (!challenge.ok) throw new Error(challenge.error.message);
    const response = site.respond(challenge.data);
    const added = watchConnections(harness);
    // The coordinator runs in this process: its clock jumps past the 30 s lifetime.
    const now = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => now() + 31_000);
    expect(await site.connectWith(response)).toMatchObject({ ok: false, error: { code: 'expired' } });
    vi.mocked(Date.now).mockRestore();
    expect(added).not.toHaveBeenCalled();
    expect(await siteRow(harness, site.siteId!)).toMatchObject({ lastSeenAt: null, connected: false });
    expect(await refusals(harness, site.siteId!)).toEqual(['expired']);
  });

  it('a site revoked after it got its challenge (its open connection is dropped), and any later challenge', async () => {
    harness = await startHarness();
    const site = await enrolled(harness, 'A');
    const challenge = await site.challenge();
    if (!challenge.ok) throw new Error(challenge.error.message);
    const response = site.respond(challenge.data);
    expect((await site.handshake()).ok).toBe(true);
    const dropped = new Promise((resolve) => site.socket!.once('disconnect', resolve));
    expect((await harness.api('POST', `/api/sites/${site.siteId}/revoke`)).status).toBe(200);
    await dropped;
    const added = watchConnections(harness);
    expect(await site.connectWith(response)).toMatchObject({ ok: false, error: { code: 'revoked' } });
    expect(added).not.toHaveBeenCalled();
    expect(await site.handshake()).toMatchObject({ ok: false, error: { code: 'revoked' } });
    expect(await siteRow(harness, site.siteId!)).toMatchObject({ status: 'revoked', connected: false });
    expect(await refusals(harness, site.siteId!)).toEqual(['revoked']);
  });
});

describe('POST /fl/challenge', () => {
  it('refuses unknown, pending and revoked sites, other protocol versions, browsers and floods', async () => {
    harness = await startHarness();
    const stranger = { siteId: '11111111-1111-4111-8111-111111111111', protocolVersion: PROTOCOL_VERSION };
    expect(await post(harness, FlRoute.challenge, { body: stranger })).toMatchObject({
      status: 404,
      body: { ok: false, error: { code: 'unknown_site' } },
    });
    expect(await post(harness, FlRoute.challenge, { body: { siteId: 'x' } })).toMatchObject({
      status: 400,
      body: { ok: false, error: { code: 'invalid_payload' } },
    });

    const pending = await enrolled(harness, 'Pending', false);
    expect(await pending.handshake()).toMatchObject({ ok: false, error: { code: 'pending_approval' } });
    expect(pending.socket).toBeUndefined();
    const other = { siteId: pending.siteId, protocolVersion: PROTOCOL_VERSION + 1 };
    expect(await post(harness, FlRoute.challenge, { body: other })).toMatchObject({
      status: 400,
      body: { ok: false, error: { code: 'version_mismatch' } },
    });
    const fromPage = { siteId: pending.siteId, protocolVersion: PROTOCOL_VERSION };
    expect(
      await post(harness, FlRoute.challenge, { body: fromPage, headers: { origin: 'https://evil.example' } }),
    ).toMatchObject({
      status: 403,
      body: { ok: false, error: { code: 'unauthenticated' } },
    });
    expect((await harness.api('POST', `/api/sites/${pending.siteId}/approve`)).status).toBe(200);
    expect(await pending.handshake()).toMatchObject({ ok: true, data: { siteId: pending.siteId } });

    const answers = await Promise.all(
      Array.from({ length: 240 }, () => post(harness!, FlRoute.challenge, { body: stranger })),
    );
    expect(answers.at(-1)).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
  });
});

describe('a reconnecting site', () => {
  it('signs a fresh challenge on every reconnect (no connection-state recovery) and is synced again', async () => {
    harness = await startHarness();
    const site = await enrolled(harness, 'A');
    const registry = harness.coordinator.app.get(RegistryService);
    const issued = vi.spyOn(registry, 'challenge');
    const verified = vi.spyOn(registry, 'respond');
    const added = watchConnections(harness);
    expect(await site.connectWith(site.freshAuth, { reconnection: true })).toMatchObject({
      ok: true,
      data: { siteId: site.siteId, siteStatus: 'approved' },
    });
    const connections = harness.coordinator.app.get(ConnectionsService);
    const first = connections.get(site.siteId!)!;
    // Middleware runs for every connection only while connection-state recovery is off.
    const server = first.nsp.server as unknown as { opts: { connectionStateRecovery?: unknown } };
    expect(server.opts.connectionStateRecovery).toBeUndefined();

    const synced = new Promise((resolve) => site.socket!.once(FlEvent.statusSynced, resolve));
    first.conn.close(); // a network failure: the client reconnects by itself
    await synced;
    expect(site.socket!.connected).toBe(true);
    expect(issued).toHaveBeenCalledTimes(2);
    expect(verified).toHaveBeenCalledTimes(2);
    expect(site.challenges).toBe(2);
    expect(added).toHaveBeenCalledTimes(2);
    expect(connections.get(site.siteId!)!.id).not.toBe(first.id);
  });
});
