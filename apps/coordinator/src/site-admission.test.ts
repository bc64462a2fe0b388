import { afterEach, describe, expect, it, vi } from 'vitest';
import { io } from 'socket.io-client';
import type { AuditEntry } from '@fedfuse/protocol';
import { Namespace } from '@fedfuse/protocol';
import type { Harness } from './testing/harness.ts';
import { startHarness, waitFor } from './testing/harness.ts';
import { enrolledSite } from './testing/enrolled-site.ts';
import { TestSite } from './testing/test-site.ts';
import { ConnectionsService } from './services/connections.service.ts';

let harness: Harness | undefined;
const sites: TestSite[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  sites.splice(0).forEach((s) => s.close());
  await harness?.close();
  harness = undefined;
});

/** Opens a bare /fl socket and reports how socket.io answered: connected, or the refusal's code and message. */
function attempt(
  h: Harness,
  headers: Record<string, string> = {},
): Promise<{ connected: true } | { connected: false; code?: string; message: string }> {
  const socket = io(`${h.coordinator.url}${Namespace.fl}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: headers,
  });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.disconnect();
      resolve({ connected: true });
    });
    socket.once('connect_error', (error: Error & { data?: { code: string } }) => {
      socket.disconnect();
      resolve({ connected: false, code: error.data?.code, message: error.message });
    });
  });
}

async function enrollRefusals(h: Harness): Promise<AuditEntry[]> {
  return (await h.api<AuditEntry[]>('GET', '/api/audit?action=site.enroll_refused')).body;
}

async function siteCount(h: Harness): Promise<number> {
  return (await h.api<unknown[]>('GET', '/api/sites')).body.length;
}

describe('the /fl namespace refuses, with a reason,', () => {
  it('a connection carrying a browser Origin', async () => {
    harness = await startHarness();
    const added = vi.spyOn(harness.coordinator.app.get(ConnectionsService), 'add');
    expect(await attempt(harness, { origin: 'https://evil.example' })).toEqual({
      connected: false,
      code: 'unauthenticated',
      message: 'browser origins may not connect to /fl',
    });
    expect(added).not.toHaveBeenCalled();
  });

  it('connections beyond 240 a minute from one address', async () => {
    harness = await startHarness();
    const answers = [];
    // In order: the limit is a count, so which attempt crosses it must not depend on scheduling.
    for (let i = 0; i < 241; i++) answers.push(await attempt(harness));
    const limited = answers.filter((a) => !a.connected && a.code === 'rate_limited');
    expect(limited).toEqual([
      { connected: false, code: 'rate_limited', message: 'too many connections from this address' },
    ]);
    expect(answers.at(-1)).toEqual(limited[0]);
  });
});

describe('enrollment refuses, audits and stores nothing for', () => {
  it('an expired token', async () => {
    harness = await startHarness();
    const token = await harness.api<{ token: string }>('POST', '/api/tokens', {
      label: 'late',
      ttlSeconds: 60,
      autoApprove: true,
    });
    const site = new TestSite(harness.coordinator.url, 'Late Hospital');
    sites.push(site);
    // The coordinator runs in this process: its clock moves past the token's 60 s lifetime.
    const now = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => now() + 61_000);
    expect(await site.enroll(token.body.token)).toMatchObject({ ok: false, error: { code: 'expired' } });
    vi.mocked(Date.now).mockRestore();
    expect(await enrollRefusals(harness)).toMatchObject([
      {
        actor: { kind: 'system', id: 'coordinator' },
        outcome: 'refused',
        details: { code: 'expired', address: '127.0.0.1' },
      },
    ]);
    expect(await siteCount(harness)).toBe(0);
  });

  it('a token that was already used', async () => {
    harness = await startHarness();
    const token = await harness.api<{ token: string }>('POST', '/api/tokens', {
      label: 'once',
      autoApprove: true,
    });
    const first = new TestSite(harness.coordinator.url, 'First');
    const second = new TestSite(harness.coordinator.url, 'Second');
    sites.push(first, second);
    expect((await first.enroll(token.body.token)).ok).toBe(true);
    expect(await second.enroll(token.body.token)).toMatchObject({
      ok: false,
      error: { code: 'replayed', message: 'this enrollment token was already used' },
    });
    expect(second.siteId).toBeUndefined();
    expect(await enrollRefusals(harness)).toMatchObject([
      {
        actor: { kind: 'system', id: 'coordinator' },
        outcome: 'refused',
        details: { code: 'replayed', address: '127.0.0.1' },
      },
    ]);
    expect(await siteCount(harness)).toBe(1);
  });
});

describe('a suspended site', () => {
  it('is disconnected, its next connection is refused, and it connects again once reinstated', async () => {
    harness = await startHarness();
    const site = await enrolledSite(harness, 'A', sites);
    // A challenge signed before the suspension must not open a connection after it.
    const challenge = await site.challenge();
    if (!challenge.ok) throw new Error(challenge.error.message);
    const signedBefore = site.respond(challenge.data);
    const dropped = new Promise((resolve) => site.socket!.once('disconnect', resolve));
    expect((await harness.api('POST', `/api/sites/${site.siteId}/suspend`)).status).toBe(200);
    await dropped;
    const connections = harness.coordinator.app.get(ConnectionsService);
    const added = vi.spyOn(connections, 'add');
    const suspended = { code: 'suspended', message: 'this site is suspended by the operator' };
    expect(await site.connectWith(signedBefore)).toEqual({ ok: false, error: suspended });
    expect(await site.handshake()).toEqual({ ok: false, error: suspended });
    expect(added).not.toHaveBeenCalled();
    expect(connections.isConnected(site.siteId!)).toBe(false);

    expect((await harness.api('POST', `/api/sites/${site.siteId}/reinstate`)).status).toBe(200);
    expect(await site.handshake()).toMatchObject({ ok: true });
    await waitFor(() => connections.isConnected(site.siteId!) || undefined);
  });
});
