import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { SecAggLayout } from './quantize.ts';
import { federation, runRound } from './testing/harness.ts';

// Weights that are whole quantisation steps round deterministically, so the unmasked sum is known exactly:
// with clip = (2^19 − 1)/2^10 and 2^20 levels the scale is 2^10, and a weight k/1024 encodes as k.
const LENGTH = 12;
const LAYOUT: SecAggLayout = {
  length: LENGTH,
  groups: [{ name: 'all', ranges: [{ offset: 0, length: LENGTH }] }],
};
const EXAMPLES = 64;

describe('masks cancel exactly', () => {
  it('for random federations, graphs and dropouts after key sharing', async () => {
    const scenario = fc
      .record({ sites: fc.integer({ min: 4, max: 8 }), sparse: fc.boolean(), seed: fc.nat() })
      .chain(({ sites, sparse, seed }) => {
        const degree = sparse && sites >= 7 ? 4 : sites - 1;
        const threshold = Math.floor((2 * (degree + 1)) / 3) + 1;
        const slack = degree + 1 - threshold;
        return fc.record({
          sites: fc.constant(sites),
          degree: fc.constant(degree),
          seed: fc.constant(seed),
          dropped: fc.uniqueArray(fc.integer({ min: 0, max: sites - 1 }), {
            maxLength: Math.min(slack, sites - threshold),
          }),
          steps: fc.array(
            fc.array(fc.integer({ min: -500_000, max: 500_000 }), { minLength: LENGTH, maxLength: LENGTH }),
            { minLength: sites, maxLength: sites },
          ),
        });
      });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ sites, degree, dropped, steps }) => {
        const graph = degree === sites - 1 ? ('complete' as const) : ('sparse' as const);
        const clip = (2 ** 19 - 1) / 2 ** 10;
        const plan = {
          sites,
          degree: graph === 'sparse' ? degree : undefined,
          toleratedDropouts: dropped.length,
          toleratedColluders: 0,
          graph,
          clip,
          levelsLog2: 20,
          maxExamples: EXAMPLES,
        };
        const fed = federation({ plan, layout: LAYOUT });
        const updates = steps.map((k) => ({
          weights: Float32Array.from(k, (x) => x / 1024),
          numExamples: EXAMPLES,
        }));
        const drops = new Map(dropped.map((i) => [`site-${i}`, 'share-keys'] as const));
        const result = await runRound({ fed, updates, drops });
        const alive = steps.filter((_, i) => !dropped.includes(i));
        for (let i = 0; i < LENGTH; i++) {
          const exactSum = alive.reduce((s, k) => s + k[i]!, 0);
          // Same arithmetic as the decoder: a mask left over by even one word would change the result.
          expect(result.mean[i]).toBe(Math.fround(exactSum * (EXAMPLES / 1024 / (alive.length * EXAMPLES))));
        }
        expect(result.groupExamples.all).toBe(alive.length * EXAMPLES);
      }),
      { numRuns: 8 },
    );
  }, 120_000); // 8 whole rounds of up to 8 sites, each with ~100 Ed25519 checks (tweetnacl) on a loaded machine
});
