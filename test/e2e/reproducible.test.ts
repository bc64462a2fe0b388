import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startHarness, tinyModel } from '@fedfuse/coordinator/testing/harness';
import { RealSite } from '../dashboard/real-site.ts';

/**
 * One federation from scratch: two sites with the same data as every other call, enrolled afresh (new
 * keys, new random site ids), trained for two rounds on wasm; returns the final checkpoint's weights.
 */
async function federate(): Promise<{ weights: Buffer; siteIds: string[] }> {
  const root = mkdtempSync(join(tmpdir(), 'fedfuse-repro-'));
  const h = await startHarness({ dataDir: join(root, 'coordinator') });
  const sites: RealSite[] = [];
  try {
    for (const [name, seed] of [
      ['Hospital A', 11],
      ['Hospital B', 23],
    ] as const) {
      const site = await RealSite.create(root, { name, seed });
      sites.push(site);
      const token = await h.api<{ token: string }>('POST', '/api/tokens', { label: name, autoApprove: true });
      await site.enroll(h.coordinator.url, token.body.token);
      await site.start();
      await site.log.waitFor('handshake accepted');
    }
    const run = await h.api<{ runId: string }>('POST', '/api/runs', {
      name: 'reproducible',
      rounds: 2,
      minClients: 2,
      seed: 7,
      model: tinyModel,
      roundTimeoutSeconds: 120,
    });
    const runId = run.body.runId;
    await h.api('POST', `/api/runs/${runId}/start`);
    const detail = async () =>
      (await h.api<{ state: string; failure: string | null }>('GET', `/api/runs/${runId}`)).body;
    await expect
      .poll(async () => (await detail()).state, { timeout: 90_000 })
      .toMatch(/^(completed|failed)$/);
    expect(await detail()).toMatchObject({ state: 'completed', failure: null });
    const response = await fetch(`${h.coordinator.url}/api/runs/${runId}/checkpoints/2/weights.bin`, {
      headers: { authorization: `Bearer ${h.coordinator.operatorToken}` },
    });
    expect(response.status).toBe(200);
    const sitesList = await h.api<{ siteId: string }[]>('GET', '/api/sites');
    return {
      weights: Buffer.from(await response.arrayBuffer()),
      siteIds: sitesList.body.map((s) => s.siteId),
    };
  } finally {
    for (const site of sites) await site.stop();
    await h.close();
    rmSync(root, { recursive: true, force: true });
  }
}

it('trains the same weights, byte for byte, when the same federation runs twice with fresh enrollments', async () => {
  const first = await federate();
  const second = await federate();
  // The sites got new random ids: only their names carry over.
  expect(second.siteIds).toHaveLength(2);
  expect(second.siteIds.some((id) => first.siteIds.includes(id))).toBe(false);
  const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  expect(first.weights.length).toBeGreaterThan(0);
  expect(digest(second.weights)).toBe(digest(first.weights));
}, 240_000);
