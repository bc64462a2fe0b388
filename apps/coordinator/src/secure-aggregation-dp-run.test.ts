import { afterEach, expect, it } from 'vitest';
import type { AuditEntry, FitIns } from '@fedfuse/protocol';
import { DP_SECAGG_MECHANISM } from '@fedfuse/protocol';
import { clipToNorm, computeEpsilon, distributedSkellam, skellam } from '@fedfuse/privacy';
import { quantisationScale } from '@fedfuse/secagg';
import type { Harness } from './testing/harness.ts';
import { tinyModel } from './testing/harness.ts';
import { secureRunWithDropout } from './testing/secure-run-with-dropout.ts';
import { takePartSecurely } from './testing/secagg-take-part.ts';
import type { TestSite } from './testing/test-site.ts';

// DP-FedAvg under secure aggregation over real sockets: the test sites do what the daemon does (clip, equal
// weight, Skellam share from the CSPRNG, mask), and the coordinator must commit with the distributed mechanism.

const CLIP = 1;
const Z = 0.5;
const DELTA = 1e-5;
let harness: Harness | undefined;
const sites: TestSite[] = [];
const maskedAccepted: string[] = [];
afterEach(async () => {
  sites.splice(0).forEach((s) => s.close());
  maskedAccepted.length = 0;
  await harness?.close();
});

const deltaOf = (k: number, length: number) =>
  Float32Array.from({ length }, (_, i) => Math.sin(k * 1.7 + i * 0.3) * 0.5);

/** The round's Skellam split as a site computes it from its instruction. */
function skellamOf(ins: FitIns, contributors: number) {
  const secAgg = ins.privacy!.secAgg!;
  return distributedSkellam({
    clip: ins.privacy!.dp!.clip,
    noiseMultiplier: ins.privacy!.dp!.noiseMultiplier,
    scale: quantisationScale(secAgg),
    dimension: secAgg.layout.length,
    noiseShares: secAgg.roster.length,
    contributors,
  });
}

/** A DP site: its delta clipped to C, weighted as every other, plus its Skellam share; k = 4 drops in round 1. */
function takePart(site: TestSite, k: number, dropAtMasking = false): void {
  takePartSecurely(site, {
    update: ({ ins, round }) => {
      const delta = deltaOf(k, round.layout.length);
      clipToNorm([delta], ins.privacy!.dp!.clip);
      const noise = skellam(delta.length, skellamOf(ins, round.roster.size).siteMu);
      return Promise.resolve({ weights: delta, numExamples: round.plan.maxExamples, noise });
    },
    dropAtMasking,
    onAck: ({ roundId, stage, ack }) => {
      if (ack.ok && stage === 'masked-input') maskedAccepted.push(roundId);
    },
  });
}

it("commits DP rounds under secure aggregation: the survivors' noise only, ε of the distributed mechanism", async () => {
  const { h, detail } = await secureRunWithDropout({
    sites,
    onHarness: (started) => (harness = started),
    takePart,
    maskedAccepted: () => maskedAccepted.length,
    settings: {
      model: { ...tinyModel, genomicsDim: 2000 },
      privacy: { dp: { clip: CLIP, noiseMultiplier: Z, delta: DELTA } },
    },
  });
  expect(detail.state).toBe('completed');

  // Rounds by number (a resync may repeat an instruction).
  const byNumber = new Map(sites[0]!.received.map((ins) => [ins.roundNumber, ins]));
  const first = byNumber.get(1)!;
  const second = byNumber.get(2)!;
  expect(first.privacy).toMatchObject({ secureAggregation: true, dp: { sampleRate: 1, clip: CLIP } });
  expect(first.privacy!.secAgg!.clip).toBe(CLIP);
  expect(second.privacy!.secAgg!.roster).toHaveLength(4);

  // ε: round 1 with 4 of 5 shares of noise (E dropped before masking), round 2 with 4 of 4.
  const steps = [skellamOf(first, 4), skellamOf(second, 4)].map((s) => ({ ...s.accounting, count: 1 }));
  const expected = computeEpsilon({ steps: [], skellam: steps, delta: DELTA }).epsilon;
  expect(detail.privacy).toMatchObject({
    mechanism: DP_SECAGG_MECHANISM,
    secureAggregation: true,
    rounds: 2,
  });
  expect(detail.privacy.epsilon).toBeCloseTo(expected, 9);
  const audit = (await h.api<AuditEntry[]>('GET', '/api/audit?action=round.committed&limit=10')).body;
  const committed = audit.find((e) => e.details.round === 1)!.details;
  expect(committed.survivors).toBe(4);
  expect(committed.epsilon).toBeGreaterThan(0);

  // Round 1's step = the equal-weight mean of the 4 clipped deltas + only the sites' noise: its spread is the
  // Skellam sum's √V/(γ·4) per weight (a coordinator adding its own z·C/m would raise it by about 1.5×).
  const before = await sites[0]!.fetchWeights(first);
  const after = await sites[0]!.fetchWeights(second);
  const clipped = [0, 1, 2, 3].map((k) => {
    const delta = deltaOf(k, before.length);
    clipToNorm([delta], CLIP);
    return delta;
  });
  let squares = 0;
  for (let i = 0; i < before.length; i++) {
    const mean = clipped.reduce((s, delta) => s + delta[i]!, 0) / 4;
    squares += (after[i]! - before[i]! - mean) ** 2;
  }
  const rms = Math.sqrt(squares / before.length);
  const scale = quantisationScale(first.privacy!.secAgg!);
  const expectedStd = Math.sqrt(skellamOf(first, 4).accounting.variance) / (scale * 4);
  // d > 2000 coordinates: the sample RMS is within ~2% of σ; 15% is over 7 standard errors.
  expect(before.length).toBeGreaterThan(2000);
  expect(rms / expectedStd).toBeGreaterThan(0.85);
  expect(rms / expectedStd).toBeLessThan(1.15);
});
