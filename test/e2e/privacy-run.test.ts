import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoundView, RunDetail } from '@fedfuse/protocol';
import { computeEpsilon } from '@fedfuse/privacy';
import { CLIENT_BIN } from '@fedfuse/client/bin-path';
import { runProcess } from './processes.ts';
import { startEhrOnlyFederation, type EhrOnlyFederation } from './ehr-only-federation.ts';

const TOKEN = 'e2e-privacy-run-operator-token-0123456789';
const SITES = 3;
/** DP-FedAvg with every site selected (q = 1), z = 1, δ = 1/3^1.1 (the default for three sites). */
const Z = 1;
const DELTA = 1 / SITES ** 1.1;
const epsilonAfter = (rounds: number) =>
  computeEpsilon({ steps: [{ sampleRate: 1, noiseMultiplier: Z, count: rounds }], delta: DELTA }).epsilon;
/** The careful site accepts one round's ε and not two. */
const MAX_EPSILON = (epsilonAfter(1) + epsilonAfter(2)) / 2;

let root: string;
let federation: EhrOnlyFederation;
let api: EhrOnlyFederation['api'];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fedfuse-privacy-run-'));
  federation = await startEhrOnlyFederation({
    root,
    operatorToken: TOKEN,
    sites: SITES,
    firstSeed: 21,
    // The last hospital's own budget, enforced by its daemon.
    privacyYaml: (k) => (k === SITES - 1 ? `  maxEpsilon: ${MAX_EPSILON}` : undefined),
  });
  api = federation.api;
}, 180_000);

afterAll(() => {
  for (const child of federation?.children ?? []) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('a DP-FedAvg run across three real site daemons, one with a privacy budget', () => {
  it('completes with the accountant ε in the REST API, and the careful site refuses the round past its budget', async () => {
    const run = await api<{ runId: string }>('POST /api/runs', {
      name: 'dp e2e',
      rounds: 2,
      minClients: 2,
      roundTimeoutSeconds: 120,
      model: { d: 8, ehrHidden: 16, headHidden: 8 },
      local: { learningRate: 0.01 },
      privacy: { dp: { clip: 0.5, noiseMultiplier: Z } },
    });
    await api(`POST /api/runs/${run.runId}/start`);
    const state = async () => (await api<RunDetail>(`GET /api/runs/${run.runId}`)).state;
    try {
      await expect.poll(state, { timeout: 150_000, interval: 250 }).toMatch(/^(completed|failed)$/);
      expect(await state()).toBe('completed');
    } catch (error) {
      federation.dumpOutputs();
      throw error;
    }
    const detail = await api<RunDetail>(`GET /api/runs/${run.runId}`);
    expect(detail.privacy).toMatchObject({
      mechanism: 'dp-fedavg-gaussian',
      secureAggregation: false,
      rounds: 2,
    });
    expect(detail.privacy.epsilon).toBeGreaterThan(0);
    expect(detail.privacy.epsilon).toBeCloseTo(epsilonAfter(2), 9);
    expect(detail.privacy.delta).toBeCloseTo(DELTA, 12);
    // The careful site's update was in round 1 only.
    expect(detail.privacy.sites.map((s) => [s.siteName, s.rounds])).toEqual([
      ['Cohort 0', 2],
      ['Cohort 1', 2],
      ['Cohort 2', 1],
    ]);

    const rounds = await api<RoundView[]>(`GET /api/runs/${run.runId}/rounds`);
    expect(rounds.map((r) => r.stage)).toEqual(['committed', 'committed']);
    expect(rounds[1]!.siteFailures).toEqual([
      expect.objectContaining({
        siteName: 'Cohort 2',
        code: 'privacy_budget_exceeded',
        message: expect.stringContaining(`past this site's maxEpsilon ${MAX_EPSILON}`) as unknown,
        retryable: false,
      }),
    ]);

    // The careful site's own account, from its state file (`fedfuse-client status`).
    const status = await runProcess({
      bin: CLIENT_BIN,
      args: ['status', '--dir', join(root, 'daemon-2'), '--json'],
    });
    expect(status.code).toBe(0);
    const report = JSON.parse(status.output) as {
      privacy: { runs: { runId: string; epsilon: number; maxEpsilon: number }[] };
    };
    expect(report.privacy.runs).toEqual([
      expect.objectContaining({
        runId: run.runId,
        epsilon: expect.closeTo(epsilonAfter(1), 9) as unknown,
        maxEpsilon: MAX_EPSILON,
      }),
    ]);
  }, 200_000);
});
