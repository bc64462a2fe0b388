import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, type GeneratedFederation } from '@fedfuse/data';
import { LocalCluster } from '@fedfuse/simulator/cluster';

// Four sites in ONE site host process (one shared training worker), against the real coordinator process.
const root = mkdtempSync(join(tmpdir(), 'fedfuse-site-host-'));
const cluster = LocalCluster.under(root, { concurrency: 1, log: () => {} });
let federation: GeneratedFederation;

beforeAll(async () => {
  federation = await generate({
    outDir: join(root, 'sites'),
    seed: 3,
    sites: 4,
    patientsPerSite: 40,
    imageSize: 16,
    genes: 500,
  });
  await cluster.startCoordinator();
  await cluster.startSites(federation.sites.map((s) => ({ name: s.name, config: s.config })));
}, 300_000);
afterAll(async () => {
  await cluster.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('a site host running several sites in one process', () => {
  it('gives each site its own enrollment, keys and socket', async () => {
    expect(cluster.daemons()).toHaveLength(1);
    const sites = await cluster.api.sites();
    expect(sites.map((s) => s.name).sort()).toEqual(['site-1', 'site-2', 'site-3', 'site-4']);
    expect(new Set(sites.map((s) => s.siteId)).size).toBe(4);
    expect(new Set(sites.map((s) => s.fingerprint)).size).toBe(4);
    expect(sites.every((s) => s.connected && s.status === 'approved')).toBe(true);
    // Each site folder holds its own key file and the enrollment it made with its own token.
    const keys = federation.sites.map((s) => readFileSync(join(root, 'clients', s.name, 'site.key')));
    expect(new Set(keys.map((k) => createHash('sha256').update(k).digest('hex'))).size).toBe(4);
  });

  it('keeps the other sites training when one site of the host is stopped for good', async () => {
    const { api } = cluster;
    const revoked = (await api.sites()).find((s) => s.name === 'site-4')!;
    const answer = await fetch(`${api.url}/api/sites/${revoked.siteId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.operatorToken}` },
    });
    expect(answer.status).toBe(200);
    // The revoked site's daemon stops (exit code 3: refused for good); its host process does not.
    await expect
      .poll(() => cluster.exitedSites, { timeout: 60_000, interval: 200 })
      .toContainEqual({ site: 'site-4', code: 3 });
    const [host] = cluster.daemons();
    expect(host!.process.exitCode).toBeNull();

    const runId = await api.createRun({ name: 'site host', rounds: 1, minClients: 3, local: { epochs: 1 } });
    await api.startRun(runId);
    await expect
      .poll(async () => (await api.run(runId)).state, { timeout: 240_000, interval: 500 })
      .toBe('completed');
    const [round] = await api.rounds(runId);
    const trained = (await api.sites()).filter((s) => s.name !== 'site-4').map((s) => s.siteId);
    expect([...round!.sites].sort()).toEqual([...trained].sort());
    expect(round!.rejections).toEqual([]);
    // One opened delta per site, each from its own sealed upload, and no two alike.
    const roundDir = join(root, 'coordinator', 'runs', runId, 'rounds', `1-${round!.attempt}`);
    const deltas = readdirSync(roundDir).filter((f) => f.endsWith('.delta.ffwt'));
    // Files are named `<site id>.<nonce prefix>.delta.ffwt`.
    expect(deltas.map((f) => f.split('.')[0]).sort()).toEqual([...trained].sort());
    const hashes = deltas.map((f) =>
      createHash('sha256')
        .update(readFileSync(join(roundDir, f)))
        .digest('hex'),
    );
    expect(new Set(hashes).size).toBe(3);
  }, 360_000);
});
