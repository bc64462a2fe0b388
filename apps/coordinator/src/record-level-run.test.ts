import { describe, expect, it } from 'vitest';
import type { FitIns, RunDetail } from '@fedfuse/protocol';
import { tinyModel, waitFor } from './testing/harness.ts';
import { perTestHarness } from './testing/per-test-harness.ts';

const fixture = perTestHarness();
const RECORD_LEVEL = { clip: 1, noiseMultiplier: 1.1, delta: 1e-5 };

describe('a record-level DP-SGD run', () => {
  it("tells each site to train with DP-SGD and reports each site's own per-patient ε", async () => {
    const h = await fixture.start();
    const sites = await Promise.all(['A', 'B'].map((name) => fixture.site(h, name)));
    sites.forEach((site, i) => {
      site.autoTrain = {
        delta: (g) => new Float32Array(g.length).fill(1e-3),
        numExamples: 10,
        // What each site says its ledger gives: ε grows with the epochs of the run.
        recordLevel: { epsilon: 0.5 + i, delta: 1e-5, epochs: 1 },
      };
    });
    const run = await h.api<{ runId: string }>('POST', '/api/runs', {
      name: 'record-level',
      rounds: 1,
      minClients: 2,
      model: tinyModel,
      privacy: { recordLevel: RECORD_LEVEL },
    });
    expect(run.status).toBe(201);
    await h.api('POST', `/api/runs/${run.body.runId}/start`);
    const detail = await waitFor(async () => {
      const got = await h.api<RunDetail>('GET', `/api/runs/${run.body.runId}`);
      return got.body.state === 'completed' ? got.body : undefined;
    }, 30_000);

    expect((sites[0]!.received[0] as FitIns).config.dpSgd).toEqual(RECORD_LEVEL);
    // Training records reach the reported metrics only through the DP-trained weights.
    expect(sites.map((site) => site.evaluations[0]?.config.recalibrateOn)).toEqual([
      'validation',
      'validation',
    ]);
    expect(detail.privacy).toMatchObject({ mechanism: 'dp-sgd-gaussian', epsilon: null, delta: null });
    expect(detail.privacy.sites.map((s) => [s.siteName, s.epsilon, s.recordLevel])).toEqual([
      ['A', null, { epsilon: 0.5, delta: 1e-5, epochs: 1 }],
      ['B', null, { epsilon: 1.5, delta: 1e-5, epochs: 1 }],
    ]);
  });

  it('refuses an update that does not state the site ε, and a record-level setting with an unknown key', async () => {
    const h = await fixture.start();
    const site = await fixture.site(h, 'Silent');
    await fixture.site(h, 'Idle');
    const typo = await h.api<{ message: string }>('POST', '/api/runs', {
      name: 'typo',
      model: tinyModel,
      privacy: { recordLevel: { ...RECORD_LEVEL, noiseMultipler: 2 } },
    });
    expect(typo.status).toBe(400);
    expect(JSON.stringify(typo.body)).toMatch(/privacy\.recordLevel/);
    const run = await h.api<{ runId: string }>('POST', '/api/runs', {
      name: 'record-level refusals',
      rounds: 1,
      minClients: 2,
      model: tinyModel,
      privacy: { recordLevel: RECORD_LEVEL, dp: { clip: 1, noiseMultiplier: 1 } },
    });
    await h.api('POST', `/api/runs/${run.body.runId}/start`);
    const ins = await waitFor(() => site.received[0], 20_000);
    const global = await site.fetchWeights(ins);
    const delta = new Float32Array(global.length).fill(1e-4);
    const silent = await site.submit(ins, { delta, numExamples: 5, privacy: { clipped: false } });
    expect(silent).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: expect.stringMatching(/recordLevel/) as unknown },
    });
    const recordLevel = { epsilon: 2, delta: 1e-5, epochs: 1 };
    const fine = await site.submit(ins, { delta, numExamples: 5, privacy: { clipped: false }, recordLevel });
    expect(fine.ok).toBe(true);
    const detail = (await h.api<RunDetail>('GET', `/api/runs/${run.body.runId}`)).body;
    expect(detail.privacy.mechanism).toBe('dp-fedavg-gaussian+dp-sgd-gaussian');
    expect(detail.privacy.sites.find((s) => s.siteName === 'Silent')?.recordLevel).toEqual(recordLevel);
  });
});
