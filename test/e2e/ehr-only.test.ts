import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FUSIONS } from '@fedfuse/protocol';
import { CLIENT_BIN, COORDINATOR_BIN, runProcess, startProcess } from './processes.ts';
import { freePort, operatorRest } from '../../apps/coordinator/src/testing/operator-rest.ts';

const TOKEN = 'e2e-ehr-only-operator-token-0123456789';
const SITES = 3;
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

/** Deterministic numbers in [0, 1) (mulberry32), so the cohort is the same on every run. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A tabular cohort as a real EHR-only hospital has it: numeric and categorical columns, one task
 * (`relapse`) driven by two of them, a train/test split, and no imaging or genomics at all.
 */
function writeEhrOnlySite(dir: string, site: number, patients: number): string {
  mkdirSync(dir, { recursive: true });
  const next = uniform(1000 + site);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const ehr = ['patient_id,age [years],wbc [10^9/L],platelets [10^9/L],sex,stage'];
  const labels = ['patient_id,split,relapse'];
  for (let i = 0; i < patients; i++) {
    const id = `S${site}-P${String(i).padStart(4, '0')}`;
    const [age, wbc, platelets] = [normal(), normal(), normal()];
    const stage = next() < 0.5 ? 'early' : 'late';
    const risk = 1.6 * wbc - 1.1 * platelets + (stage === 'late' ? 0.8 : -0.8) + 0.5 * normal();
    ehr.push(
      `${id},${(55 + 12 * age).toFixed(0)},${(8 + 3 * wbc).toFixed(2)},${(250 + 60 * platelets).toFixed(0)},${next() < 0.5 ? 'F' : 'M'},${stage}`,
    );
    labels.push(`${id},${i % 4 === 0 ? 'test' : 'train'},${risk > 0 ? 1 : 0}`);
  }
  writeFileSync(join(dir, 'ehr.csv'), ehr.join('\n') + '\n');
  writeFileSync(join(dir, 'labels.csv'), labels.join('\n') + '\n');
  const config = join(dir, 'site.yaml');
  writeFileSync(
    config,
    [
      `site: ehr-only-${site}`,
      'tasks: [relapse]',
      'ehr:',
      '  path: ehr.csv',
      '  numeric: [age, wbc, platelets]',
      '  categorical:',
      '    sex: [F, M]',
      '    stage: [early, late]',
      'labels:',
      '  path: labels.csv',
      '',
    ].join('\n'),
  );
  return config;
}

describe('a federation of three EHR-only sites with one task', () => {
  let port = 0;
  const api = <T>(request: string, body?: unknown) => operatorRest(port, TOKEN)<T>(request, body);

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'fedfuse-ehr-only-'));
    port = await freePort();
    const coordinator = await startProcess({
      bin: COORDINATOR_BIN,
      args: ['--data', join(root, 'coordinator'), '--port', String(port)],
      env: { FEDFUSE_OPERATOR_TOKEN: TOKEN, FEDFUSE_TICK_MS: '100' },
      ready: 'listening on',
    });
    children.push(coordinator.child);
    for (let k = 0; k < SITES; k++) {
      const dir = join(root, `daemon-${k}`);
      const config = writeEhrOnlySite(join(root, `site-${k}`), k, 120 + 40 * k);
      const init = await runProcess({
        bin: CLIENT_BIN,
        args: ['init', '--dir', dir, '--name', `Clinic ${k}`, '--data', config],
      });
      expect(init.code, init.output).toBe(0);
      const token = await api<{ token: string }>('POST /api/tokens', { label: `Clinic ${k}` });
      const enroll = await runProcess({
        bin: CLIENT_BIN,
        args: ['enroll', '--dir', dir, '--coordinator', `http://127.0.0.1:${port}`, '--token', token.token],
      });
      expect(enroll.code, enroll.output).toBe(0);
      const daemon = await startProcess({
        bin: CLIENT_BIN,
        args: ['start', '--dir', dir, '--log', 'json', '--backend', 'wasm'],
        env: { FEDFUSE_RECONNECT_DELAY_MS: '200', FEDFUSE_RECONNECT_DELAY_MAX_MS: '1000' },
      });
      children.push(daemon.child);
    }
    for (const site of await api<{ siteId: string }[]>('GET /api/sites'))
      await api(`POST /api/sites/${site.siteId}/approve`);
    // The sites' schemas arrive with their reports; a run needs them to derive its model.
    await vi.waitFor(
      async () => {
        const sites = await api<{ connected: boolean }[]>('GET /api/sites');
        expect(sites.filter((s) => s.connected)).toHaveLength(SITES);
      },
      { timeout: 60_000, interval: 200 },
    );
  }, 180_000);

  it.each(FUSIONS)(
    'trains to completion under %s with a run that names no input dimension',
    async (fusion) => {
      const run = await api<{ runId: string }>('POST /api/runs', {
        name: `ehr-only ${fusion}`,
        rounds: 3,
        minClients: SITES,
        model: { fusion, d: 8, ehrHidden: 16, headHidden: 8 },
        local: { epochs: 3, batchSize: 16, learningRate: 0.01 },
      });
      await api(`POST /api/runs/${run.runId}/start`);
      await expect
        .poll(async () => (await api<{ state: string }>(`GET /api/runs/${run.runId}`)).state, {
          timeout: 120_000,
          interval: 250,
        })
        .toMatch(/^(completed|failed)$/);
      const detail = await api<{
        state: string;
        config: { model: { tasks: string[]; modalities: string[] } };
      }>(`GET /api/runs/${run.runId}`);
      expect(detail.state).toBe('completed');
      expect(detail.config.model.tasks).toEqual(['relapse']);
      expect(detail.config.model.modalities).toEqual(['ehr']);
      const rounds = await api<
        { phase: string; metrics: { tasks: Record<string, { auc: number }> } | null }[]
      >(`GET /api/runs/${run.runId}/rounds`);
      expect(rounds.map((r) => r.phase)).toEqual(['done', 'done', 'done']);
      expect(Object.keys(rounds.at(-1)!.metrics!.tasks)).toEqual(['relapse']);
      // Two strong EHR signals: every fusion learns them above chance in two rounds.
      expect(rounds.at(-1)!.metrics!.tasks['relapse']!.auc).toBeGreaterThan(0.7);
    },
    150_000,
  );
});
