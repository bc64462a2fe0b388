import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { fedAvg } from './fed-avg.ts';
import { RunningFedAvg } from './running-fed-avg.ts';
import type { ClientUpdate } from './types.ts';
import { SCALAR_BLOCK_SIZE, weightedAverageInto } from './weighted-average.ts';

// A full GC before each measurement, so garbage from earlier tests is not collected mid-measurement and
// hidden in the delta. `--expose-gc` set at runtime reaches a new context's global.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const P = 250_000; // 1 MB of Float32 per update
const SLACK = 64 * 1024;

function updates(count: number): ClientUpdate[] {
  return Array.from({ length: count }, (_, k) => ({
    weights: new Float32Array(P).fill(k),
    numExamples: k + 1,
  }));
}

/** ArrayBuffer bytes once garbage is collected: V8 frees backing stores on a background thread, so wait. */
async function settledArrayBuffers(): Promise<number> {
  let last = -1;
  for (let i = 0; i < 20; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const now = process.memoryUsage().arrayBuffers;
    if (now === last) break;
    last = now;
  }
  return last;
}

/** Bytes of ArrayBuffer memory allocated and still held when `run` returns (its result kept alive). */
async function arrayBufferGrowth(run: () => unknown): Promise<number> {
  const before = await settledArrayBuffers();
  const result = run();
  const after = process.memoryUsage().arrayBuffers;
  expect(result).toBeDefined();
  return after - before;
}

describe('fedAvg memory', () => {
  const few = updates(5);
  const many = updates(50);

  it('sees an O(N·P) allocation (the probe works)', async () => {
    const growth = await arrayBufferGrowth(() => many.map((u) => Float64Array.from(u.weights)));
    expect(growth).toBeGreaterThan(0.9 * 50 * P * 8);
  });

  it('allocates only its P-float result, for 5 or 50 updates', async () => {
    const growthFew = await arrayBufferGrowth(() => fedAvg(few));
    const growthMany = await arrayBufferGrowth(() => fedAvg(many));
    expect(growthMany).toBeLessThanOrEqual(P * 4 + SLACK);
    expect(growthMany - growthFew).toBeLessThanOrEqual(SLACK);
  });

  it('allocates nothing of size P into a given output buffer', async () => {
    const out = new Float32Array(P);
    expect(await arrayBufferGrowth(() => fedAvg(many, { out }))).toBeLessThanOrEqual(SLACK);
  });

  it('keeps the kernel to its one block of Float64 scratch, allocated once', async () => {
    const out = new Float32Array(P);
    const args = { out, weights: many.map((u) => u.weights), coefficients: many.map(() => 1 / 50) };
    const growth = await arrayBufferGrowth(() => {
      weightedAverageInto({ ...args, start: 0, end: P });
      return out;
    });
    expect(growth).toBeLessThanOrEqual(SCALAR_BLOCK_SIZE * 8 + SLACK);
  });

  it('RunningFedAvg holds its two P-double sums, whether 5 or 50 updates were added', async () => {
    const fed = (updates: ClientUpdate[]) => () => {
      const sum = new RunningFedAvg(P);
      for (const update of updates) sum.add(update);
      return sum;
    };
    const growthFew = await arrayBufferGrowth(fed(few));
    const growthMany = await arrayBufferGrowth(fed(many));
    expect(growthMany).toBeLessThanOrEqual(2 * P * 8 + SLACK);
    expect(growthMany - growthFew).toBeLessThanOrEqual(SLACK);
  });
});
