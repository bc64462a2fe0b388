import { expect, it } from 'vitest';
import type { AuditEntry } from '@fedfuse/protocol';
import { tinyModel, waitFor } from './testing/harness.ts';
import { perTestHarness } from './testing/per-test-harness.ts';

const fixture = perTestHarness();

// Pooled validation AUC by round: best at round 2, then two rounds without a better one.
const VALIDATION = [0.7, 0.85, 0.8, 0.75, 0.95];

it('selects the best round on pooled validation AUC, stops after `patience` rounds without a better one, and serves its checkpoint', async () => {
  const h = await fixture.start();
  const sites = [];
  for (const name of ['North', 'South']) {
    const site = await fixture.site(h, name);
    sites.push(site);
    site.autoTrain = { delta: (g, ins) => g.map(() => ins.roundNumber / 1000), numExamples: 10 };
    site.validationAuc = (round) => VALIDATION[round - 1]!;
  }
  const created = await h.api<{ runId: string }>('POST', '/api/runs', {
    name: 'selection',
    rounds: 5,
    minClients: 2,
    patience: 2,
    model: tinyModel,
  });
  const runId = created.body.runId;
  await h.api('POST', `/api/runs/${runId}/start`);
  const run = await waitFor(async () => {
    const r = await h.api<{
      state: string;
      lastRound: number;
      selectedRound: { round: number; validationAuc: number; testAuc: Record<string, number> } | null;
    }>('GET', `/api/runs/${runId}`);
    return r.body.state === 'completed' ? r.body : undefined;
  }, 30_000);
  expect(run.lastRound).toBe(4);
  // Without record-level DP each site refits its intercepts on its own training patients before scoring.
  expect(sites.flatMap((site) => site.evaluations.map((e) => e.config.recalibrateOn))).toEqual(
    Array(8).fill('train'),
  );
  expect(run.selectedRound?.round).toBe(2);
  expect(run.selectedRound?.validationAuc).toBeCloseTo(0.85, 12);
  // The test sites' fixed test histograms pool to 14/16 per task.
  expect(run.selectedRound?.testAuc).toEqual({ cancer: 0.875, cardiac: 0.875 });
  const completed = await h.api<AuditEntry[]>('GET', '/api/audit?action=run.completed');
  expect(completed.body[0]?.details).toMatchObject({ rounds: 4, stoppedEarly: true, selectedRound: 2 });
  const selected = await h.api('GET', `/api/runs/${runId}/checkpoints/selected/model.json`);
  const second = await h.api('GET', `/api/runs/${runId}/checkpoints/2/model.json`);
  const last = await h.api('GET', `/api/runs/${runId}/checkpoints/last/model.json`);
  expect(selected.status).toBe(200);
  expect(selected.body).toEqual(second.body);
  expect(last.body).not.toEqual(second.body);
});
