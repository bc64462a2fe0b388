import { describe, expect, it } from 'vitest';
import type { FitIns, RoundView, RunDetail } from '@fedfuse/protocol';
import { computeEpsilon } from '@fedfuse/privacy';
import { tinyModel, waitFor } from './testing/harness.ts';
import { perTestHarness } from './testing/per-test-harness.ts';
import type { TestSite } from './testing/test-site.ts';

const fixture = perTestHarness();
const CLIP = 1;
const Z = 0.5;

/** Every coordinate the same, the whole delta of norm `norm`. */
const flat = (length: number, norm: number) => new Float32Array(length).fill(norm / Math.sqrt(length));

function std(values: Float64Array): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
}

describe('a differentially private run', () => {
  it('averages the clipped deltas uniformly, adds z·S/m noise, and reports ε per run, round and site', async () => {
    const h = await fixture.start();
    const sites: TestSite[] = [];
    for (const name of ['A', 'B', 'C']) {
      const site = await fixture.site(h, name);
      // Unequal example counts: DP-FedAvg weighs the sites alike anyway.
      site.autoTrain = {
        delta: (g) => flat(g.length, CLIP),
        numExamples: name === 'A' ? 1000 : 10,
        privacy: { clipped: true },
      };
      sites.push(site);
    }
    const run = await h.api<{ runId: string }>('POST', '/api/runs', {
      name: 'dp',
      rounds: 2,
      minClients: 3,
      model: tinyModel,
      privacy: { dp: { clip: CLIP, noiseMultiplier: Z } },
    });
    expect(run.status).toBe(201);
    await h.api('POST', `/api/runs/${run.body.runId}/start`);
    const detail = await waitFor(async () => {
      const got = await h.api<RunDetail>('GET', `/api/runs/${run.body.runId}`);
      return got.body.state === 'completed' ? got.body : undefined;
    }, 30_000);

    const delta = 1 / 3 ** 1.1;
    const expected = computeEpsilon({ steps: [{ sampleRate: 1, noiseMultiplier: Z, count: 2 }], delta });
    expect(detail.privacy).toMatchObject({
      mechanism: 'dp-fedavg-gaussian',
      secureAggregation: false,
      rounds: 2,
    });
    expect(detail.privacy.delta).toBeCloseTo(delta, 12);
    expect(detail.privacy.epsilon).toBeCloseTo(expected.epsilon, 9);
    expect(detail.privacy.sites.map((s) => [s.siteName, s.rounds])).toEqual([
      ['A', 2],
      ['B', 2],
      ['C', 2],
    ]);
    expect(detail.privacy.sites[0]!.epsilon).toBeCloseTo(expected.epsilon, 9);

    const rounds = (await h.api<RoundView[]>('GET', `/api/runs/${run.body.runId}/rounds`)).body;
    const one = computeEpsilon({ steps: [{ sampleRate: 1, noiseMultiplier: Z, count: 1 }], delta }).epsilon;
    expect(rounds.map((r) => r.privacy?.epsilon)).toEqual([
      expect.closeTo(one, 9),
      expect.closeTo(expected.epsilon, 9),
    ]);
    expect(rounds[0]!.privacy).toMatchObject({
      clip: CLIP,
      noiseMultiplier: Z,
      sampleRate: 1,
      nextClip: CLIP,
    });

    // What the sites were told: enough to compute ε themselves, and round 2 carries round 1.
    const [first, second] = sites[0]!.received as [FitIns, FitIns];
    expect(first.privacy).toMatchObject({ secureAggregation: false, selectedSites: 3, minSites: 3 });
    expect(second.privacy!.dp).toMatchObject({
      clip: CLIP,
      pastRounds: [{ round: 1, sampleRate: 1, noiseMultiplier: Z }],
    });

    // Round 2 started from round 1's model: start + uniform mean (the flat delta) + N(0, (zS/m)²).
    const before = await sites[0]!.fetchWeights(first);
    const after = await sites[0]!.fetchWeights(second);
    const step = CLIP / Math.sqrt(before.length);
    const noise = new Float64Array(before.length);
    for (let i = 0; i < before.length; i++) noise[i] = after[i]! - before[i]! - step;
    const sigma = (Z * CLIP) / 3;
    // A few hundred weights: the sample std lies within ±25 % of σ with overwhelming probability.
    expect(before.length).toBeGreaterThan(200);
    expect(std(noise)).toBeGreaterThan(0.75 * sigma);
    expect(std(noise)).toBeLessThan(1.25 * sigma);
  });

  it('adapts the clip to the unclipped fraction and accounts the total z, drawing z_Δ for the update', async () => {
    const h = await fixture.start();
    const sites: TestSite[] = [];
    for (const name of ['A', 'B', 'C']) {
      const site = await fixture.site(h, name);
      // Every update well inside the clip: b̃ ≈ 1 ± σ_b/3, so the clip shrinks by about exp(−0.2·0.5).
      site.autoTrain = {
        delta: (g) => flat(g.length, CLIP / 10),
        numExamples: 10,
        privacy: { clipped: false },
      };
      sites.push(site);
    }
    const run = await h.api<{ runId: string }>('POST', '/api/runs', {
      name: 'dp adaptive',
      rounds: 2,
      minClients: 3,
      model: tinyModel,
      privacy: { dp: { clip: CLIP, noiseMultiplier: Z, delta: 1e-5, adaptive: { countNoiseStd: 0.3 } } },
    });
    await h.api('POST', `/api/runs/${run.body.runId}/start`);
    await waitFor(async () => {
      const got = await h.api<RunDetail>('GET', `/api/runs/${run.body.runId}`);
      return got.body.state === 'completed' ? got.body : undefined;
    }, 30_000);
    const rounds = (await h.api<RoundView[]>('GET', `/api/runs/${run.body.runId}/rounds`)).body;
    const [first, second] = rounds.map((r) => r.privacy!);
    // σ_b = 0.3 on a count of 3: b̃ within 1 ± 0.5 (5σ), so the next clip within C·exp(−0.2·(1 ± 0.5 − 0.5)).
    expect(first!.unclippedFraction!).toBeGreaterThan(0.5);
    expect(first!.nextClip!).toBeLessThan(CLIP);
    expect(first!.nextClip!).toBeGreaterThan(CLIP * Math.exp(-0.2));
    expect(second!.clip).toBe(first!.nextClip);
    // A resync may repeat round 1's instruction: read round 2's by its number.
    const roundTwo = sites[0]!.received.find((ins) => ins.roundNumber === 2);
    expect(roundTwo!.privacy!.dp!.clip).toBe(first!.nextClip);
    expect(first!.noiseMultiplier).toBeCloseTo((Z ** -2 - 0.6 ** -2) ** -0.5, 9);
    expect(first!.accountedNoiseMultiplier).toBe(Z);
    const expected = computeEpsilon({
      steps: [{ sampleRate: 1, noiseMultiplier: Z, count: 2 }],
      delta: 1e-5,
    });
    expect(second!.epsilon).toBeCloseTo(expected.epsilon, 9);
  });

  it('refuses an update larger than the round clip, and one that does not say whether it clipped', async () => {
    const h = await fixture.start();
    const site = await fixture.site(h, 'Unclipped');
    await fixture.site(h, 'Idle');
    const run = await h.api<{ runId: string }>('POST', '/api/runs', {
      name: 'dp refusals',
      rounds: 1,
      minClients: 2,
      model: tinyModel,
      privacy: { dp: { clip: CLIP, noiseMultiplier: Z } },
    });
    await h.api('POST', `/api/runs/${run.body.runId}/start`);
    const ins = await waitFor(() => site.received[0], 20_000);
    const global = await site.fetchWeights(ins);
    const tooLarge = await site.submit(ins, {
      delta: flat(global.length, 2 * CLIP),
      numExamples: 5,
      privacy: { clipped: true },
    });
    expect(tooLarge).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: expect.stringMatching(/norm/) as unknown },
    });
    const silent = await site.submit(ins, { delta: flat(global.length, CLIP / 2), numExamples: 5 });
    expect(silent).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/privacy.clipped/) as unknown },
    });
    const fine = await site.submit(ins, {
      delta: flat(global.length, CLIP / 2),
      numExamples: 5,
      privacy: { clipped: false },
    });
    expect(fine.ok).toBe(true);
  });

  it("shows a site's privacy-policy refusal with its own code, and fails the run when too few sites remain", async () => {
    const h = await fixture.start();
    const willing = await fixture.site(h, 'Willing');
    const careful = await fixture.site(h, 'Careful');
    willing.autoTrain = { delta: (g) => flat(g.length, CLIP), numExamples: 10, privacy: { clipped: true } };
    const message = "this round would take the run to ε = 9.000, past this site's maxEpsilon 1";
    careful.refuseRoundStart = { code: 'privacy_budget_exceeded', message };
    const run = await h.api<{ runId: string }>('POST', '/api/runs', {
      name: 'dp policy',
      rounds: 1,
      minClients: 2,
      model: tinyModel,
      roundTimeoutSeconds: 30,
      privacy: { dp: { clip: CLIP, noiseMultiplier: Z } },
    });
    await h.api('POST', `/api/runs/${run.body.runId}/start`);
    const failed = await waitFor(async () => {
      const got = await h.api<RunDetail>('GET', `/api/runs/${run.body.runId}`);
      return got.body.state === 'failed' ? got.body : undefined;
    }, 30_000);
    expect(failed.failure).toContain(`privacy_budget_exceeded: ${message}`);
    const rounds = (await h.api<RoundView[]>('GET', `/api/runs/${run.body.runId}/rounds`)).body;
    expect(rounds[0]!.siteFailures).toEqual([
      expect.objectContaining({ siteName: 'Careful', code: 'privacy_budget_exceeded', retryable: false }),
    ]);
  });

  it.each(['fedmedian', 'trimmedmean', 'krum'])('is refused with %s, saying why', async (strategy) => {
    const h = await fixture.start();
    const created = await h.api<{ message: string }>('POST', '/api/runs', {
      name: 'dp robust',
      strategy: { name: strategy },
      model: tinyModel,
      privacy: { dp: { clip: CLIP, noiseMultiplier: Z } },
    });
    expect(created.status).toBe(400);
    expect(JSON.stringify(created.body)).toContain(
      `strategy ${strategy}: it selects or drops individual updates`,
    );
  });
});
