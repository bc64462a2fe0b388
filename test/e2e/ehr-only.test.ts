import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUSIONS } from '@fedfuse/protocol';
import { EHR_DIM } from './ehr-only-site.ts';
import { startEhrOnlyFederation, type EhrOnlyFederation } from './ehr-only-federation.ts';

const TOKEN = 'e2e-ehr-only-operator-token-0123456789';
const SITES = 3;
let root: string;
let federation: EhrOnlyFederation;
let api: EhrOnlyFederation['api'];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fedfuse-ehr-only-'));
  federation = await startEhrOnlyFederation({ root, operatorToken: TOKEN, sites: SITES, firstSeed: 11 });
  api = federation.api;
}, 180_000);

afterAll(() => {
  for (const child of federation?.children ?? []) child.kill('SIGKILL');
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
        federation.dumpOutputs();
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
