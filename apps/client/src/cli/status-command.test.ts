import { join } from 'node:path';
import { Identity, writeKeyFile } from '@fedfuse/crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runCli } from '../cli.ts';
import { writeClientConfig } from '../store/client-config.ts';
import { writeEnrollment } from '../store/enrollment-file.ts';
import { ModelStore } from '../store/model-store.ts';
import { sitePaths } from '../store/site-paths.ts';
import { StateFile } from '../store/state-file.ts';
import { captureIo } from '../testing/capture-io.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { tinySpec } from '../testing/tiny-site.ts';
import type { SiteStatusReport } from './status-command.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

async function enrolledFolder() {
  const paths = sitePaths(dir);
  const site = Identity.generate({ role: 'site', id: 'a' });
  await writeKeyFile(paths.keyFile, site);
  await writeClientConfig(paths.clientConfig, {
    siteName: 'Hospital A',
    data: 'data/site.yaml',
    backend: 'auto',
    threads: 1,
    coordinatorUrl: '',
  });
  const coordinator = Identity.generate({ role: 'coordinator', id: 'c' });
  const keys = coordinator.publicKeys();
  const siteId = crypto.randomUUID();
  await writeEnrollment(paths.enrollment, {
    coordinatorUrl: 'https://fl.example.org',
    siteId,
    coordinatorSigningKey: keys.signingKey,
    coordinatorBoxKey: keys.boxKey,
    fingerprint: coordinator.fingerprint(),
    status: 'approved',
  });
  const modelHash = 'ab'.repeat(32);
  await new ModelStore(paths.models).write(new Uint8Array(2048), {
    modelHash,
    manifestHash: modelHash,
    modelSpec: tinySpec,
    roundId: 'r1',
    storedAt: 1,
  });
  await new StateFile(paths.state).update({
    lastTrained: {
      runId: 'run',
      roundId: 'r7',
      roundNumber: 7,
      modelHash,
      numExamples: 18,
      loss: 0.5,
      acceptedAt: 0,
    },
    lastEvaluated: {
      runId: 'run',
      roundId: 'r7',
      roundNumber: 7,
      modelHash,
      numExamples: 6,
      auc: { cancer: 0.8125 },
      acceptedAt: 0,
    },
  });
  return { siteId, siteFingerprint: site.fingerprint(), coordinatorFingerprint: coordinator.fingerprint() };
}

describe('fedfuse-client status', () => {
  it('shows the enrollment, both fingerprints, stored models and the last rounds', async () => {
    const expected = await enrolledFolder();
    const io = captureIo(dir);
    expect(await runCli(['status', '--dir', '.'], io)).toBe(0);
    const out = io.out();
    expect(out).toMatch(
      new RegExp(
        `Enrollment\\s+site ${expected.siteId} at https://fl.example.org \\(status at enrollment: approved`,
      ),
    );
    expect(out).toContain(`${expected.coordinatorFingerprint} (pinned)`);
    expect(out).toContain(`(fingerprint ${expected.siteFingerprint})`);
    expect(out).toMatch(/Models stored\s+abababababab \(2\.0 KiB/);
    expect(out).toMatch(/Last trained\s+round 7 \(r7\), 18 examples, loss 0\.5000/);
    expect(out).toMatch(/Last evaluated\s+round 7 \(r7\), 6 examples, AUC cancer 0\.813/);
  });

  it('prints the same facts as JSON with --json', async () => {
    const expected = await enrolledFolder();
    const io = captureIo(dir);
    expect(await runCli(['status', '--json', '--dir', dir], io)).toBe(0);
    const report = JSON.parse(io.out()) as SiteStatusReport;
    expect(report.enrollment?.siteId).toBe(expected.siteId);
    expect(report.data).toBe(join(dir, 'data/site.yaml'));
    expect(report.models).toHaveLength(1);
    expect(report.pending).toEqual([]);
    expect(report.state.lastTrained?.roundNumber).toBe(7);
  });
});
