import { describe, expect, it } from 'vitest';
import { createRng } from '@fedfuse/protocol';
import { FedAdam } from './fed-adam.ts';
import { fedAvg } from './fed-avg.ts';
import { FedAvgStrategy } from './fed-avg-strategy.ts';
import { FedOptStrategy } from './fed-opt-strategy.ts';
import { FedMedianStrategy } from './robust-strategies.ts';
import { RunningFedAvg } from './running-fed-avg.ts';
import type { FitResult } from './strategy.ts';
import { streamsFit } from './strategy.ts';
import type { ParameterLayout } from './types.ts';

const P = 10_000;
const layout: ParameterLayout = [
  { name: 'ehr.dense', offset: 0, length: 3000, group: 'ehr' },
  { name: 'imaging.conv', offset: 3000, length: 4000, group: 'imaging' },
  { name: 'head.cancer.dense', offset: 8000, length: 1000, group: 'head.cancer' },
];

/** Sites with weights of mixed magnitudes and counts; site 2 trained no imaging. */
function results(count: number, seed: number): FitResult[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, k) => {
    const weights = new Float32Array(P);
    for (let i = 0; i < P; i++) weights[i] = (rng() - 0.5) * 10 ** ((i % 7) - 3);
    return {
      clientId: `site-${k}`,
      weights,
      numExamples: 17 + 31 * k,
      ...(k === 2 ? { groupExamples: { imaging: 0 } } : {}),
      metrics: { accuracy: 0.5 + k / 100 },
    };
  });
}

function streamed(updates: readonly FitResult[], withLayout = true): RunningFedAvg {
  const sum = new RunningFedAvg(P, withLayout ? layout : undefined);
  for (const update of updates) sum.add(update);
  return sum;
}

/** Largest |a − b| relative to max(|b|, 1e-30), over every index. */
function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-30));
  return worst;
}

describe('RunningFedAvg (FedAvg fed one update at a time)', () => {
  it('equals the batch fedAvg to float rounding, with and without a layout', () => {
    const updates = results(10, 1);
    const current = results(1, 2)[0]!.weights;
    const plain = streamed(updates, false).mean();
    expect(maxRelativeError(plain, fedAvg(updates))).toBeLessThan(2 ** -23);
    const grouped = streamed(updates).mean(current);
    expect(maxRelativeError(grouped, fedAvg(updates, { layout, current }))).toBeLessThan(2 ** -23);
  });

  it('gives the same bits whatever order the updates arrive in', () => {
    const updates = results(8, 3);
    const forward = streamed(updates).mean();
    const backward = streamed([...updates].reverse()).mean();
    const shuffled = streamed([3, 7, 0, 5, 1, 6, 2, 4].map((i) => updates[i]!)).mean();
    expect(Buffer.from(backward.buffer).equals(Buffer.from(forward.buffer))).toBe(true);
    expect(Buffer.from(shuffled.buffer).equals(Buffer.from(forward.buffer))).toBe(true);
  });

  it('keeps a group nobody trained at the current weights, and refuses without them', () => {
    const noImaging = results(3, 4).map((u) => ({ ...u, groupExamples: { imaging: 0 } }));
    const current = new Float32Array(P).fill(7);
    const mean = streamed(noImaging).mean(current);
    expect(mean.subarray(3000, 7000).every((v) => v === 7)).toBe(true);
    expect(() => streamed(noImaging).mean()).toThrow(/group 'imaging' sum to 0/);
  });

  it('adds a delta on top of base weights bit for bit as add() does with base + delta in a Float32Array', () => {
    const updates = results(6, 6);
    const base = results(1, 7)[0]!.weights;
    const viaWeights = new RunningFedAvg(P, layout);
    const viaDeltas = new RunningFedAvg(P, layout);
    for (const update of updates) {
      const weights = new Float32Array(P);
      for (let i = 0; i < P; i++) weights[i] = base[i]! + update.weights[i]!;
      viaWeights.add({ ...update, weights });
      viaDeltas.addDelta(base, update);
    }
    const expected = viaWeights.mean(base);
    expect(Buffer.from(viaDeltas.mean(base).buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    expect(viaDeltas.added.map((u) => u.numExamples)).toEqual(updates.map((u) => u.numExamples));
    expect(() => viaDeltas.addDelta(new Float32Array(P - 1), updates[0]!)).toThrow(
      /the base has 9999 weights, expected 10000/,
    );
    expect(viaDeltas.added).toHaveLength(6);
  });

  it("reuses a finished sum's memory, zeroed, for the same bits as a fresh sum, and retires the old one", () => {
    const updates = results(4, 11);
    const first = streamed(results(3, 5));
    const expected = streamed(updates).mean();
    const reused = RunningFedAvg.reusing(first, P, layout);
    for (const update of updates) reused.add(update);
    expect(reused.mean()).toEqual(expected);
    // The old sum no longer has the arrays: using it again would share them with the new one.
    expect(() => first.add(updates[0]!)).toThrow(/retired/);
    expect(() => first.mean()).toThrow(/retired/);
    // A retired sum, or one of another length, hands nothing over.
    const again = RunningFedAvg.reusing(first, P, layout);
    again.add(updates[0]!);
    expect(() => reused.mean()).not.toThrow();
    expect(reused.mean()).toEqual(expected);
    const shorter = RunningFedAvg.reusing(reused, P - 1);
    expect(shorter.length).toBe(P - 1);
    expect(reused.mean()).toEqual(expected);
    expect(
      () => new RunningFedAvg(3, undefined, { hi: new Float64Array(3), lo: new Float64Array(2) }),
    ).toThrow(/two distinct arrays of 3 doubles/);
  });

  it('refuses a bad update with a clear error and keeps what it had', () => {
    const [first, second] = results(2, 5);
    const sum = streamed([first!]);
    const before = sum.mean();
    expect(() => sum.add({ ...second!, weights: new Float32Array(P - 1) })).toThrow(
      /9999 weights, expected 10000/,
    );
    expect(() => sum.add({ ...second!, numExamples: -1 })).toThrow(
      /numExamples must be a finite number >= 0/,
    );
    expect(() => sum.add({ ...second!, groupExamples: { genomics: 3 } })).toThrow(/group 'genomics'/);
    expect(sum.added).toHaveLength(1);
    expect(Array.from(sum.mean())).toEqual(Array.from(before));
  });
});

describe('strategies that stream', () => {
  it('FedAvg and FedAdam aggregate the running sum like aggregateFit, metrics included', () => {
    const updates = results(6, 6);
    const start = results(1, 7)[0]!.weights;
    for (const make of [
      () => new FedAvgStrategy({ layout }),
      () => new FedOptStrategy({ layout, optimizer: new FedAdam({ eta: 0.1 }) }),
    ]) {
      const batch = make();
      batch.startFrom(1, start);
      const expected = batch.aggregateFit(1, updates, []);
      const stream = make();
      stream.startFrom(1, start);
      expect(streamsFit(stream)).toBe(true);
      const actual = stream.aggregateStreamed(1, streamed(updates), []);
      expect(maxRelativeError(actual.weights!, expected.weights!)).toBeLessThan(1e-5);
      expect(actual.metrics.accuracy).toBeCloseTo(expected.metrics.accuracy!, 12);
    }
  });

  it('the median does not stream: it says so and refuses a running sum', () => {
    const median = new FedMedianStrategy();
    expect(streamsFit(median)).toBe(false);
    expect(() => median.aggregateStreamed(1, streamed(results(3, 8)), [])).toThrow(
      /needs every update at once/,
    );
  });
});
