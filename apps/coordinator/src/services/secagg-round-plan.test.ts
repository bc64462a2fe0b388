import { toBase64 } from '@fedfuse/crypto';
import { MAX_MESSAGE_BYTES, MAX_PARAMS } from '@fedfuse/protocol';
import { describe, expect, it } from 'vitest';
import { planSecAggRound } from './secagg-round-plan.ts';

const sites = [1, 2, 3, 4].map((k) => ({
  id: `site-${k}`,
  signingKey: toBase64(new Uint8Array(32).fill(k)),
}));
const plan = (length: number, layout: { name: string; offset: number; length: number; group: string }[]) =>
  planSecAggRound({
    config: { toleratedDropouts: 1, toleratedColluders: 0, graph: 'complete' },
    runId: 'run',
    roundId: 'round',
    modelHash: 'ab'.repeat(32),
    sites,
    layout,
    length,
  });

describe(planSecAggRound.name, () => {
  it('covers every weight once: the groups, then the weights outside them as `ungrouped`', () => {
    const planned = plan(10, [
      { name: 'ehr.w', offset: 2, length: 3, group: 'ehr' },
      { name: 'img.w', offset: 5, length: 2, group: 'imaging' },
      { name: 'ehr.b', offset: 7, length: 1, group: 'ehr' },
    ]);
    if (!planned.ok) throw new Error(planned.message);
    expect(planned.planned.ins.layout).toEqual({
      length: 10,
      groups: [
        {
          name: 'ungrouped',
          ranges: [
            { offset: 0, length: 2 },
            { offset: 8, length: 2 },
          ],
        },
        {
          name: 'ehr',
          ranges: [
            { offset: 2, length: 3 },
            { offset: 7, length: 1 },
          ],
        },
        { name: 'imaging', ranges: [{ offset: 5, length: 2 }] },
      ],
    });
    expect(planned.planned.ins).toMatchObject({ threshold: 3, degree: 3 });
    expect(planned.planned.ins.roster.map((r) => r.siteId)).toEqual(sites.map((s) => s.id));
  });

  it('plans a model whose masked input exceeds one message (it travels chunked)', () => {
    const length = MAX_MESSAGE_BYTES / 4;
    expect(plan(length, [{ name: 'all', offset: 0, length, group: 'all' }]).ok).toBe(true);
  });

  it('refuses a model whose masked input cannot travel as one transfer, naming its size', () => {
    const planned = plan(MAX_PARAMS, [{ name: 'all', offset: 0, length: MAX_PARAMS, group: 'all' }]);
    expect(!planned.ok && planned.message).toMatch(
      /masked input is \d+ bytes, over the \d+ one transfer can carry/,
    );
  });
});
