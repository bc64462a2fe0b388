import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { PROTOCOL_VERSION } from '@fedfuse/protocol';
import { Identity, signEnrollment } from '@fedfuse/crypto';
import { TestSite } from '@fedfuse/coordinator/testing/test-site';
import type { CoordinatorProcess } from './coordinator-process.ts';

/** A real site enrolled with an auto-approved token and connected; `sites` keeps it for cleanup. */
export async function approvedSite(
  coordinator: CoordinatorProcess,
  name: string,
  sites: TestSite[],
): Promise<TestSite> {
  const token = await coordinator.api<{ token: string }>('POST', '/api/tokens', {
    body: { label: name, autoApprove: true },
  });
  const site = new TestSite(coordinator.url, name);
  sites.push(site);
  expect(await site.enroll(token.body.token)).toMatchObject({ ok: true, data: { status: 'approved' } });
  expect((await site.handshake()).ok).toBe(true);
  return site;
}

/** POST to a site route as a stranger would (no token), optionally through a claimed proxy header. */
export async function postFl(
  coordinator: CoordinatorProcess,
  route: string,
  request: { body: unknown; forwardedFor?: string },
): Promise<{ status: number; body: { ok: boolean; error?: { code: string } } }> {
  const response = await coordinator.api<{ ok: boolean; error?: { code: string } }>('POST', route, {
    body: request.body,
    token: '',
    headers: request.forwardedFor ? { 'x-forwarded-for': request.forwardedFor } : {},
  });
  return { status: response.status, body: response.body };
}

/** A challenge request for a site id nobody enrolled. */
export const bogusChallenge = () => ({ siteId: randomUUID(), protocolVersion: PROTOCOL_VERSION });

/** A stranger's own key: its enrollments carry a self-signature that verifies. */
export const strangerIdentity = () => Identity.generate({ role: 'site', id: 'stranger' });

/** A well-formed enrollment signed by `site` with a token nobody issued. */
export function bogusEnrollment(site: Identity, siteName: string) {
  return signEnrollment({
    site,
    token: randomBytes(24).toString('base64url'),
    siteName,
    protocolVersion: PROTOCOL_VERSION,
  });
}

export { rawSocket } from '@fedfuse/coordinator/testing/raw-socket';
