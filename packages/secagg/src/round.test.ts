import { RunningFedAvg } from '@fedfuse/strategy';
import type { ParameterLayout } from '@fedfuse/strategy';
import { describe, expect, it } from 'vitest';

import type { SecAggLayout, SiteUpdate } from './quantize.ts';
import { federation, runRound } from './testing/harness.ts';

// Two modalities: 'tabular' owns [0, 40) and [70, 100), 'imaging' owns [40, 70); one site has no imaging.
const LAYOUT: SecAggLayout = {
  length: 100,
  groups: [
    {
      name: 'tabular',
      ranges: [
        { offset: 0, length: 40 },
        { offset: 70, length: 30 },
      ],
    },
    { name: 'imaging', ranges: [{ offset: 40, length: 30 }] },
  ],
};
const STRATEGY_LAYOUT: ParameterLayout = [
  { name: 't1', offset: 0, length: 40, group: 'tabular' },
  { name: 'img', offset: 40, length: 30, group: 'imaging' },
  { name: 't2', offset: 70, length: 30, group: 'tabular' },
];

function updates(count: number): SiteUpdate[] {
  return Array.from({ length: count }, (_, k) => ({
    weights: Float32Array.from(
      { length: LAYOUT.length },
      (_, i) => Math.sin(k * 7.3 + i * 0.37) * (1 + k / 3),
    ),
    numExamples: 100 + 37 * k,
    groupExamples: k === 1 ? { imaging: 0 } : { imaging: 50 + 11 * k },
  }));
}

function plainFedAvg(ups: readonly SiteUpdate[]): Float32Array {
  const sum = new RunningFedAvg(LAYOUT.length, STRATEGY_LAYOUT);
  for (const u of ups)
    sum.add({ weights: u.weights, numExamples: u.numExamples, groupExamples: u.groupExamples });
  return sum.mean();
}

function expectWithinBound(result: Awaited<ReturnType<typeof runRound>>, expected: Float32Array): void {
  for (const group of LAYOUT.groups) {
    const bound = result.errorBound[group.name]!;
    expect(bound).toBeGreaterThan(0);
    expect(bound).toBeLessThan(1e-3); // the bound itself is tight enough to mean something
    for (const { offset, length } of group.ranges)
      for (let i = offset; i < offset + length; i++)
        expect(Math.abs(result.mean[i]! - expected[i]!)).toBeLessThanOrEqual(
          bound + 1e-6 * Math.abs(expected[i]!),
        );
  }
}

describe('secure aggregation round', () => {
  const plan = {
    sites: 5,
    toleratedDropouts: 1,
    toleratedColluders: 1,
    graph: 'complete' as const,
    maxExamples: 1024,
  };

  it('5 sites: the unmasked aggregate is plain modality-aware FedAvg within the quantisation bound', async () => {
    // Prepare
    const fed = federation({ plan, layout: LAYOUT });
    const ups = updates(5);
    // Execute
    const result = await runRound({ fed, updates: ups });
    // Assert
    expect(result.survivors).toEqual(['site-0', 'site-1', 'site-2', 'site-3', 'site-4']);
    expect(result.dropped).toEqual([]);
    expect(result.groupExamples).toEqual({
      tabular: 100 + 137 + 174 + 211 + 248,
      imaging: 50 + 72 + 83 + 94,
    });
    expectWithinBound(result, plainFedAvg(ups));
  });

  it('a site dropped after sharing keys: the survivors’ exact aggregate', async () => {
    const fed = federation({ plan, layout: LAYOUT });
    const ups = updates(5);
    const result = await runRound({ fed, updates: ups, drops: new Map([['site-3', 'share-keys']]) });
    expect(result.dropped).toEqual(['site-3']);
    expect(result.survivors).toEqual(['site-0', 'site-1', 'site-2', 'site-4']);
    expectWithinBound(result, plainFedAvg(ups.filter((_, k) => k !== 3)));
  });

  it('a site dropped after the consistency check still has its self mask removed by the others', async () => {
    const fed = federation({ plan, layout: LAYOUT });
    const ups = updates(5);
    const result = await runRound({ fed, updates: ups, drops: new Map([['site-0', 'consistency']]) });
    expect(result.survivors).toHaveLength(5);
    expectWithinBound(result, plainFedAvg(ups));
  });

  it('SecAgg+ sparse graph: 12 sites, two dropped after sharing keys', async () => {
    const sparse = {
      sites: 12,
      toleratedDropouts: 2,
      toleratedColluders: 1,
      graph: 'sparse' as const,
      degree: 8,
      maxExamples: 1024,
    };
    const fed = federation({ plan: sparse, layout: LAYOUT });
    const ups = Array.from({ length: 12 }, (_, k) => updates(12)[k]!);
    const drops = new Map([
      ['site-2', 'share-keys'],
      ['site-9', 'share-keys'],
    ] as const);
    const result = await runRound({ fed, updates: ups, drops });
    expect(result.dropped).toEqual(['site-2', 'site-9']);
    expectWithinBound(result, plainFedAvg(ups.filter((_, k) => k !== 2 && k !== 9)));
  }, 60_000); // 12 sites' Ed25519 checks (tweetnacl) on a loaded machine

  it('fewer than the threshold answering the unmask request: the server aborts and returns no sum', async () => {
    const fed = federation({ plan, layout: LAYOUT });
    const drops = new Map([
      ['site-1', 'consistency'],
      ['site-2', 'consistency'],
    ] as const);
    await expect(runRound({ fed, updates: updates(5), drops })).rejects.toMatchObject({
      code: 'below_threshold',
      message: '3 sites answered the unmask request, fewer than the threshold 4: round aborted',
    });
    await expect(fed.server.finish()).rejects.toMatchObject({ code: 'wrong_stage' });
  });

  it('below the threshold the server aborts before asking anyone to unmask', async () => {
    const fed = federation({ plan, layout: LAYOUT });
    const drops = new Map([
      ['site-1', 'share-keys'],
      ['site-2', 'share-keys'],
    ] as const);
    await expect(runRound({ fed, updates: updates(5), drops })).rejects.toMatchObject({
      code: 'below_threshold',
    });
    // Aborted: nothing more is accepted or produced, so no share was ever requested.
    expect(() => fed.server.closeConsistency()).toThrow(expect.objectContaining({ code: 'wrong_stage' }));
    await expect(fed.server.finish()).rejects.toMatchObject({ code: 'wrong_stage' });
  });
});
