import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FUSIONS } from '@fedfuse/protocol';
import { freePort, operatorRest } from '@fedfuse/coordinator/testing/operator-rest';
import { COORDINATOR_BIN } from '@fedfuse/coordinator/bin-path';
import { EHR_DIM, writeEhrOnlySite } from './ehr-only-site.ts';
import { startProcess, startSiteDaemon } from './processes.ts';

const TOKEN = 'e2e-ehr-only-operator-token-0123456789';
const SITES = 3;
let root: string;
let api: ReturnType<typeof operatorRest>;
const children: ChildProcess[] = [];
const outputs: { name: string; output: () => string }[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fedfuse-ehr-only-'));
  const port = await freePort();
  api = operatorRest(port, TOKEN);
  const coordinator = await startProcess({
    bin: COORDINATOR_BIN,
    args: ['--data', join(root, 'coordinator'), '--port', String(port)],
    env: { FEDFUSE_TICK_MS: '100', FEDFUSE_OPERATOR_TOKEN: TOKEN },
    ready: 'listening on',
  });
  children.push(coordinator.child);
  outputs.push({ name: 'coordinator', output: coordinator.output });
  for (let k = 0; k < SITES; k++) {
    const token = await api<{ token: string }>('POST /api/tokens', {
      label: `Cohort ${k}`,
      autoApprove: true,
    });
    const daemon = await startSiteDaemon({
      dir: join(root, `daemon-${k}`),
      name: `Cohort ${k}`,
      data: writeEhrOnlySite(join(root, `cohort-${k}`), 11 + k),
      coordinatorUrl: `http://127.0.0.1:${port}`,
      token: token.token,
    });
    children.push(daemon.child);
    outputs.push({ name: `daemon ${k}`, output: daemon.output });
  }
  // Every daemon has loaded its data and reported its schema.
  await vi.waitFor(
    async () => {
      const spec = await api<{ sites: unknown[] }>('GET /api/federation/model-spec');
      if (spec.sites.length < SITES) throw new Error(`${spec.sites.length} of ${SITES} sites reported`);
    },
    { timeout: 60_000, interval: 200 },
  );
}, 180_000);

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('three EHR-only sites with one task, a run created without any input dimension', () => {
  it('derives modalities [ehr], the one task and the EHR width from the sites', async () => {
    const preview = await api<{ ok: boolean; inputs: Record<string, unknown> }>(
      'GET /api/federation/model-spec',
    );
    expect(preview).toMatchObject({
      ok: true,
      inputs: { modalities: ['ehr'], tasks: ['outcome'], ehrDim: EHR_DIM },
      problems: [],
    });
  });

  it.each(FUSIONS)(
    'trains to completion under %s fusion',
    async (fusion) => {
      const run = await api<{ runId: string }>('POST /api/runs', {
        name: `ehr-only ${fusion}`,
        rounds: 3,
        minClients: SITES,
        roundTimeoutSeconds: 120,
        model: { fusion, d: 8, ehrHidden: 16, headHidden: 8 },
        // 60 training patients a site: the default rate (tuned for 600) takes more rounds than a test should.
        local: { learningRate: 0.01 },
      });
      const started = await api<{ config: { model: Record<string, unknown> } }>(
        `POST /api/runs/${run.runId}/start`,
      );
      expect(started.config.model).toMatchObject({
        modalities: ['ehr'],
        tasks: ['outcome'],
        ehrDim: EHR_DIM,
      });
      const state = async () => (await api<{ state: string }>(`GET /api/runs/${run.runId}`)).state;
      try {
        await expect.poll(state, { timeout: 150_000, interval: 250 }).toMatch(/^(completed|failed)$/);
        expect(await state()).toBe('completed');
      } catch (error) {
        for (const o of outputs) console.error(`----- ${o.name}\n${o.output().slice(-3000)}`);
        throw error;
      }
      const rounds = await api<
        { stage: string; metrics: { tasks: Record<string, { auc: number }> } | null }[]
      >(`GET /api/runs/${run.runId}/rounds`);
      expect(rounds.map((r) => r.stage)).toEqual(['committed', 'committed', 'committed']);
      // Age and smoking decide the outcome: every fusion learns it well above chance.
      expect(rounds.at(-1)!.metrics!.tasks.outcome!.auc).toBeGreaterThan(0.7);
    },
    180_000,
  );
});
