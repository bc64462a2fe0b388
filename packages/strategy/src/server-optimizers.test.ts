import { describe, expect, it } from 'vitest';
import { FedAdagrad } from './fed-adagrad.ts';
import { FedAdam } from './fed-adam.ts';
import { FedAvgM } from './fed-avg-m.ts';
import { FedYogi } from './fed-yogi.ts';
import type { ServerOptimizer } from './server-optimizer.ts';

const f32 = (...values: number[]) => Float32Array.from(values);

// Every optimizer takes the same two steps on one weight:
//   step 1: x = 1, aggregated = 1.5  → Δ = +0.5
//   step 2: x = 2, aggregated = 1.75 → Δ = −0.25
function twoSteps(optimizer: ServerOptimizer): [number, number] {
  const first = optimizer.step(f32(1), f32(1.5));
  const second = optimizer.step(f32(2), f32(1.75));
  return [first[0]!, second[0]!];
}

describe(FedAdam.name, () => {
  it('follows Flower for two steps with the default hyper-parameters', () => {
    // Step 1 (round 1): m = 0.1·0.5 = 0.05, v = 0.01·0.25 = 0.0025, √v = 0.05,
    //   η_norm = 0.1·√(1 − 0.99²)/(1 − 0.9²) = 0.1·√0.0199/0.19 = 0.0742460, x = 1 + η_norm·0.05/(0.05 + 1e-9)
    // Step 2 (round 2): m = 0.9·0.05 + 0.1·(−0.25) = 0.02, v = 0.99·0.0025 + 0.01·0.0625 = 0.0031,
    //   η_norm = 0.1·√(1 − 0.99³)/(1 − 0.9³) = 0.0635940, x = 2 + 0.0635940·0.02/√0.0031 = 2.0228436
    const [first, second] = twoSteps(new FedAdam());
    expect(first).toBeCloseTo(1.074246, 6);
    expect(second).toBeCloseTo(2.0228436, 6);
  });

  it('uses the given round for the bias correction', () => {
    // Round 5: η_norm = 0.1·√(1 − 0.99⁶)/(1 − 0.9⁶) = 0.0516282; m/√v = 0.05/0.05 = 1
    const result = new FedAdam().step(f32(1), f32(1.5), { round: 5 });
    expect(result[0]).toBeCloseTo(1.0516282, 6);
  });

  it('rejects bad hyper-parameters, rounds and shapes', () => {
    expect(() => new FedAdam({ beta1: 1 })).toThrow(/FedAdam beta1 must be in \[0, 1\), got 1/);
    expect(() => new FedAdam({ tau: -1 })).toThrow(/FedAdam tau must be in/);
    expect(() => new FedAdam().step(f32(1), f32(1, 2))).toThrow(/current has 1 weights but aggregated has 2/);
    expect(() => new FedAdam().step(f32(1), f32(2), { round: 0 })).toThrow(/round must be an integer >= 1/);
    const optimizer = new FedAdam();
    optimizer.step(f32(1), f32(2));
    expect(() => optimizer.step(f32(1, 2), f32(2, 3))).toThrow(/optimizer state has 1/);
  });
});

describe(FedYogi.name, () => {
  it('follows Flower for two steps with the default hyper-parameters', () => {
    // Step 1: m = 0.05, v = 0 − 0.01·0.25·sign(0 − 0.25) = 0.0025, x = 1 + 0.01·0.05/(0.05 + 0.001) = 1.0098039
    // Step 2: m = 0.02, v = 0.0025 − 0.01·0.0625·sign(0.0025 − 0.0625) = 0.003125,
    //   x = 2 + 0.01·0.02/(√0.003125 + 0.001) = 2.0035148
    const [first, second] = twoSteps(new FedYogi());
    expect(first).toBeCloseTo(1.0098039, 6);
    expect(second).toBeCloseTo(2.0035148, 6);
  });

  it('shrinks v when it already exceeds Δ²', () => {
    // Step 1: x = 0 → 1: Δ = 1, m = 0.1, v = 0.01, x = 0.01·0.1/(0.1 + 0.001) = 0.0099010
    // Step 2: x = 0 → 0.0625: m = 0.09 + 0.00625 = 0.09625, v = 0.01 − 0.01·0.00390625 = 0.0099609,
    //   x = 0.01·0.09625/(√0.0099609 + 0.001) = 0.0095482
    const optimizer = new FedYogi();
    expect(optimizer.step(f32(0), f32(1))[0]).toBeCloseTo(0.009901, 6);
    expect(optimizer.step(f32(0), f32(0.0625))[0]).toBeCloseTo(0.0095482, 6);
  });
});

describe(FedAdagrad.name, () => {
  it('follows Flower for two steps with the default hyper-parameters', () => {
    // Step 1: v = 0.25, x = 1 + 0.1·0.5/(0.5 + 1e-9) = 1.1
    // Step 2: v = 0.25 + 0.0625 = 0.3125, x = 2 − 0.1·0.25/√0.3125 = 1.9552786
    const [first, second] = twoSteps(new FedAdagrad());
    expect(first).toBeCloseTo(1.1, 6);
    expect(second).toBeCloseTo(1.9552786, 6);
  });
});

describe(FedAvgM.name, () => {
  it('returns the aggregate itself with the defaults (lr 1, no momentum), like Flower', () => {
    const aggregated = f32(0.1, -3.3);
    const result = new FedAvgM().step(f32(5, 5), aggregated);
    expect(Array.from(result)).toEqual(Array.from(aggregated));
    expect(result).not.toBe(aggregated);
  });

  it('follows Flower for two steps with momentum', () => {
    // lr 1, μ 0.9. Step 1: g = 1 − 1.5 = −0.5, v = g, x = 1 + 0.5 = 1.5
    // Step 2: g = 2 − 1.75 = 0.25, v = 0.9·(−0.5) + 0.25 = −0.2, x = 2 + 0.2 = 2.2
    const [first, second] = twoSteps(new FedAvgM({ serverMomentum: 0.9 }));
    expect(first).toBeCloseTo(1.5, 6);
    expect(second).toBeCloseTo(2.2, 6);
  });

  it('scales the step by the server learning rate', () => {
    // lr 0.5, μ 0.9: x = 1 − 0.5·(−0.5) = 1.25, then x = 2 − 0.5·(−0.2) = 2.1
    const [first, second] = twoSteps(new FedAvgM({ serverLearningRate: 0.5, serverMomentum: 0.9 }));
    expect(first).toBeCloseTo(1.25, 6);
    expect(second).toBeCloseTo(2.1, 6);
  });
});

describe('frozen ranges', () => {
  const optimizers: [string, () => ServerOptimizer][] = [
    ['FedAdam', () => new FedAdam()],
    ['FedYogi', () => new FedYogi()],
    ['FedAdagrad', () => new FedAdagrad()],
    ['FedAvgM', () => new FedAvgM({ serverMomentum: 0.9, serverLearningRate: 0.7 })],
  ];

  it.each(optimizers)('%s leaves frozen weights and their state exactly as they were', (_name, create) => {
    // Prepare: two optimizers see round 1 and round 3; one also sees a round 2 where index 1 is frozen
    const withFrozenRound = create();
    const without = create();
    const start = f32(1, 1);
    const round1 = f32(1.5, 0.5);
    withFrozenRound.step(start, round1, { round: 1 });
    without.step(start, round1, { round: 1 });
    // Execute: round 2 freezes index 1 (its aggregate equals current, Δ = 0, yet momentum would move it)
    const frozenStep = withFrozenRound.step(f32(2, 3), f32(2.5, 3), {
      round: 2,
      frozen: [{ offset: 1, length: 1 }],
    });
    // Assert: index 1 unchanged; and in round 3 index 1 moves exactly as if round 2 never touched its state
    expect(frozenStep[1]).toBe(3);
    expect(frozenStep[0]).not.toBe(2);
    const a = withFrozenRound.step(f32(3, 3), f32(3.25, 3.25), { round: 3 });
    const b = without.step(f32(3, 3), f32(3.25, 3.25), { round: 3 });
    expect(a[1]).toBe(b[1]);
  });

  it('rejects a frozen range outside the weights', () => {
    expect(() => new FedAdam().step(f32(1), f32(2), { frozen: [{ offset: 0, length: 2 }] })).toThrow(
      /frozen range \[0, 2\) lies outside the 1 weights/,
    );
  });
});

describe('optimizer snapshots', () => {
  const optimizers: [string, () => ServerOptimizer][] = [
    ['FedAdam', () => new FedAdam()],
    ['FedYogi', () => new FedYogi()],
    ['FedAdagrad', () => new FedAdagrad()],
    ['FedAvgM', () => new FedAvgM({ serverMomentum: 0.9 })],
  ];

  it.each(optimizers)('%s resumes from a snapshot exactly where it left off', (_name, create) => {
    // Prepare: one optimizer runs two steps; another restores the first one's snapshot after step 1
    const original = create();
    original.step(f32(1, 2), f32(1.5, 1));
    const snapshot = original.snapshot();
    const resumed = create();
    resumed.restore(snapshot);
    // Execute
    const expected = original.step(f32(2, 2), f32(1.75, 2.5));
    const actual = resumed.step(f32(2, 2), f32(1.75, 2.5));
    // Assert: same weights, and the snapshot was a copy (the original kept stepping without changing it)
    expect(Array.from(actual)).toEqual(Array.from(expected));
    expect(original.snapshot()).not.toEqual(snapshot);
  });

  it('refuses a snapshot of another optimizer or with unknown buffers', () => {
    const adam = new FedAdam();
    adam.step(f32(1), f32(2));
    expect(() => new FedYogi().restore(adam.snapshot())).toThrow(
      /FedYogi.restore: the snapshot is of a FedAdam/,
    );
    const bad = { kind: 'FedAdagrad', steps: 1, state: { m: new Float64Array(1) } };
    expect(() => new FedAdagrad().restore(bad)).toThrow(/unknown state buffer 'm'/);
  });
});
