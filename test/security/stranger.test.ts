import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '@fedfuse/protocol';
import { FlRoute } from '@fedfuse/protocol';
import type { TestSite } from '@fedfuse/coordinator/testing/test-site';
import type { CoordinatorProcess } from './coordinator-process.ts';
import { startCoordinatorProcess } from './coordinator-process.ts';
import {
  approvedSite,
  bogusChallenge,
  bogusEnrollment,
  postFl,
  rawSocket,
  strangerIdentity,
} from './stranger-tools.ts';

/** A stranger: no enrolled key, no operator token; only the network. */
describe('a stranger', () => {
  const sites: TestSite[] = [];
  let coordinator: CoordinatorProcess | undefined;
  const start = async (env: Record<string, string> = {}) =>
    (coordinator = await startCoordinatorProcess({ env: { FEDFUSE_REFUSAL_FOLD_MS: '300', ...env } }));
  afterEach(async () => {
    for (const site of sites.splice(0)) site.socket?.disconnect();
    await coordinator?.stop();
  });

  it('F1: cannot write the audit log under a site’s name; a flood of refused enrollments folds into counted entries', async () => {
    // A 4 s fold window holds the whole flood; its repeats are written, counted, when it closes.
    const c = await start({ FEDFUSE_REFUSAL_FOLD_MS: '4000' });
    const real = await approvedSite(c, 'St Real', sites);
    // One self-signed request with a token nobody issued, sent 300 times: identical refusals.
    const request = bogusEnrollment(strangerIdentity(), real.siteId!);
    const requests = Array.from({ length: 300 }, () => request);
    const codes = new Map<string, number>();
    for (let batch = 0; batch < requests.length; batch += 30) {
      const answers = await Promise.all(
        requests.slice(batch, batch + 30).map((body) => postFl(c, FlRoute.enroll, { body })),
      );
      for (const answer of answers) {
        const code = answer.body.error?.code ?? 'ok';
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }
    expect(codes.get('ok')).toBeUndefined();
    const bySite = await c.api<AuditEntry[]>('GET', `/api/audit?actorId=${real.siteId}`);
    expect(bySite.body.map((e) => e.action)).toEqual(['site.enrolled']);
    const refusedEntries = async () =>
      (await c.api<AuditEntry[]>('GET', '/api/audit?action=site.enroll_refused')).body;
    await expect
      .poll(async () => (await refusedEntries()).reduce((sum, e) => sum + Number(e.details.count ?? 0), 0), {
        timeout: 10_000,
      })
      .toBe(codes.get('unauthenticated'));
    const entries = await refusedEntries();
    expect(entries.length).toBeLessThanOrEqual(4);
    for (const entry of entries) {
      expect(entry.actor).toEqual({ kind: 'system', id: 'coordinator' });
      expect(entry.details).toMatchObject({ address: '127.0.0.1', code: 'unauthenticated' });
    }
    expect(entries.some((e) => Number(e.details.count) > 1)).toBe(true);
  });

  it('F1: a refused connection that claims a real site id is not audited as that site', async () => {
    const c = await start();
    const real = await approvedSite(c, 'St Claimed', sites);
    const challenge = await real.challenge();
    expect(challenge.ok).toBe(true);
    // A forged answer: the real site's challenge, signed by nobody's key.
    const forged = { ...real.respond(challenge.ok ? challenge.data : (undefined as never)) };
    forged.signature = Buffer.alloc(64, 7).toString('base64');
    const socket = rawSocket(c.url, '/fl', forged);
    await expect.poll(() => socket.refused).toBe(true);
    socket.socket.disconnect();
    await expect
      .poll(async () => (await c.api<AuditEntry[]>('GET', '/api/audit?action=site.connection_refused')).body)
      .toHaveLength(1);
    const [entry] = (await c.api<AuditEntry[]>('GET', '/api/audit?action=site.connection_refused')).body;
    expect(entry!.actor).toEqual({ kind: 'system', id: 'coordinator' });
    expect(entry!.subject).toBe(real.siteId);
    expect(entry!.details).toMatchObject({ address: '127.0.0.1' });
    const bySite = await c.api<AuditEntry[]>('GET', `/api/audit?actorId=${real.siteId}`);
    expect(bySite.body.map((e) => e.action)).toEqual(['site.enrolled']);
  });

  it('F2: flooding /fl/challenge and /fl from the site’s own address does not lock the approved site out', async () => {
    const c = await start({ FEDFUSE_STRANGER_REQUESTS_PER_MINUTE: '20' });
    const real = await approvedSite(c, 'St Shared Address', sites);
    real.socket!.disconnect();
    const statuses: number[] = [];
    for (let i = 0; i < 250; i++)
      statuses.push((await postFl(c, FlRoute.challenge, { body: bogusChallenge() })).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const strangers = Array.from({ length: 30 }, () => rawSocket(c.url, '/fl', { siteId: 'nobody' }));
    await expect.poll(() => strangers.every((s) => s.refused)).toBe(true);
    strangers.forEach((s) => s.socket.disconnect());
    expect((await real.handshake()).ok).toBe(true);
  });

  it('F2: behind a trusted proxy each forwarded address has its own budget', async () => {
    const c = await start({
      FEDFUSE_STRANGER_REQUESTS_PER_MINUTE: '20',
      FEDFUSE_TRUSTED_PROXIES: '127.0.0.1/32',
    });
    const first: number[] = [];
    for (let i = 0; i < 21; i++)
      first.push(
        (await postFl(c, FlRoute.challenge, { body: bogusChallenge(), forwardedFor: '203.0.113.1' })).status,
      );
    expect(first.slice(0, 20).every((s) => s === 404)).toBe(true);
    expect(first[20]).toBe(429);
    expect(
      (await postFl(c, FlRoute.challenge, { body: bogusChallenge(), forwardedFor: '203.0.113.2' })).status,
    ).toBe(404);
    // A spoofed hop left of the proxy's own entry does not buy a new budget: the rightmost untrusted one counts.
    expect(
      (
        await postFl(c, FlRoute.challenge, {
          body: bogusChallenge(),
          forwardedFor: '198.51.100.9, 203.0.113.1',
        })
      ).status,
    ).toBe(429);
  });

  it('F2: an untrusted peer’s X-Forwarded-For is ignored', async () => {
    const c = await start({ FEDFUSE_STRANGER_REQUESTS_PER_MINUTE: '20' });
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++)
      statuses.push(
        (await postFl(c, FlRoute.challenge, { body: bogusChallenge(), forwardedFor: `203.0.113.${i + 1}` }))
          .status,
      );
    expect(statuses.slice(0, 20).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
  });

  it('W2: /metrics answers only the operator', async () => {
    const c = await start();
    expect((await c.api('GET', '/metrics', { token: '' })).status).toBe(401);
    expect((await c.api('GET', '/metrics', { token: 'wrong-token-0123456789' })).status).toBe(401);
    const scraped = await c.api<string>('GET', '/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.body).toContain('fedfuse_sites_connected');
  });

  it('W5: sockets on / and on unknown namespaces are refused and their transports closed promptly', async () => {
    const c = await start();
    const sockets = [
      ...Array.from({ length: 50 }, () => rawSocket(c.url, '/')),
      ...Array.from({ length: 50 }, () => rawSocket(c.url, '/random')),
    ];
    await expect.poll(() => sockets.filter((s) => !s.closed).length, { timeout: 5_000 }).toBe(0);
    expect(sockets.filter((s) => s.connected)).toHaveLength(0);
    sockets.forEach((s) => s.socket.disconnect());
  });

  it('W10: security headers, no X-Powered-By, and an unparseable packet is logged with its address', async () => {
    const c = await start();
    const health = await c.api('GET', '/healthz', { token: '' });
    expect(health.headers.get('x-powered-by')).toBeNull();
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(health.headers.get('x-frame-options')).toBe('SAMEORIGIN');

    const ops = rawSocket(c.url, '/ops', { token: 'security-suite-operator-token-0123456789' });
    await expect.poll(() => ops.connected).toBe(true);
    ops.socket.io.engine.write('this is not a socket.io packet');
    await expect.poll(() => ops.closed).toBe(true);
    await expect
      .poll(() =>
        c
          .output()
          .split('\n')
          .find((line) => line.includes('unparseable socket.io packet')),
      )
      .toMatch(/unparseable socket\.io packet.*"address":"127\.0\.0\.1"/);
  });
});
