import { expect } from 'vitest';
import type { Harness } from './harness.ts';
import { TestSite } from './test-site.ts';

/**
 * A TestSite enrolled with an auto-approved token and authenticated, added to `sites` so the test's
 * afterEach can close it.
 */
export async function enrolledSite(h: Harness, name: string, sites: TestSite[]): Promise<TestSite> {
  const token = await h.api<{ token: string }>('POST', '/api/tokens', { label: name, autoApprove: true });
  const site = new TestSite(h.coordinator.url, name);
  sites.push(site);
  expect(await site.enroll(token.body.token)).toMatchObject({ ok: true, data: { status: 'approved' } });
  expect((await site.handshake()).ok).toBe(true);
  return site;
}
