import { describe, expect, it } from 'vitest';

import { planSecAgg } from './plan.ts';

const refused = (text: string): unknown =>
  expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining(text) as unknown });

describe(planSecAgg.name, () => {
  it('derives t = ⌊2n/3⌋ + 1 under a malicious server and keeps n − t ≥ dropouts', () => {
    const plan = planSecAgg({ sites: 10, toleratedDropouts: 3, toleratedColluders: 2, graph: 'complete' });
    expect(plan).toMatchObject({ threshold: 7, degree: 9, levelsLog2: 22, clip: 8, maliciousServer: true });
  });

  it('refuses t ≤ 2n/3 under a malicious server, with the numbers', () => {
    expect(() =>
      planSecAgg({ sites: 9, threshold: 6, toleratedDropouts: 1, toleratedColluders: 1, graph: 'complete' }),
    ).toThrow(refused('threshold 6 ≤ 2/3 of n = 9'));
    // An honest-but-curious server only needs t above the colluders.
    expect(
      planSecAgg({
        sites: 9,
        threshold: 6,
        toleratedDropouts: 1,
        toleratedColluders: 1,
        graph: 'complete',
        maliciousServer: false,
      }).threshold,
    ).toBe(6);
  });

  it('refuses n − t < dropouts and t ≤ colluders', () => {
    expect(() =>
      planSecAgg({ sites: 10, toleratedDropouts: 4, toleratedColluders: 1, graph: 'complete' }),
    ).toThrow(refused('n = 10 − threshold 7 = 3 < 4 tolerated dropouts'));
    expect(() =>
      planSecAgg({
        sites: 6,
        threshold: 3,
        toleratedDropouts: 0,
        toleratedColluders: 3,
        graph: 'complete',
        maliciousServer: false,
      }),
    ).toThrow(refused('threshold 3 ≤ 3 tolerated colluders'));
  });

  it('refuses a quantisation range whose n-site sum overflows 32 bits, and fits the default to n', () => {
    expect(() =>
      planSecAgg({ sites: 1024, toleratedDropouts: 0, toleratedColluders: 0, graph: 'complete' }),
    ).toThrow(refused('at most 255 sites'));
    expect(() =>
      planSecAgg({
        sites: 5,
        toleratedDropouts: 0,
        toleratedColluders: 0,
        graph: 'complete',
        levelsLog2: 30,
      }),
    ).toThrow(refused('5 sites × 2^30 levels ≥ 2^32'));
    expect(
      planSecAgg({ sites: 255, toleratedDropouts: 0, toleratedColluders: 0, graph: 'sparse' }).levelsLog2,
    ).toBe(22);
    expect(
      planSecAgg({ sites: 200, levelsLog2: 24, toleratedDropouts: 0, toleratedColluders: 0, graph: 'sparse' })
        .levelsLog2,
    ).toBe(24);
    expect(() =>
      planSecAgg({
        sites: 200,
        levelsLog2: 25,
        toleratedDropouts: 0,
        toleratedColluders: 0,
        graph: 'sparse',
      }),
    ).toThrow(refused('200 sites × 2^25 levels ≥ 2^32'));
    expect(() =>
      planSecAgg({
        sites: 5,
        toleratedDropouts: 0,
        toleratedColluders: 0,
        graph: 'complete',
        maxExamples: 2 ** 30,
      }),
    ).toThrow(refused('5 sites × maxExamples'));
  });

  it('SecAgg+ sparse graph: degree 3⌈log2 n⌉ rounded to even, the rules applied per neighbourhood', () => {
    const plan = planSecAgg({ sites: 100, toleratedDropouts: 2, toleratedColluders: 2, graph: 'sparse' });
    expect(plan).toMatchObject({ degree: 22, threshold: 16 });
    expect(() =>
      planSecAgg({ sites: 100, toleratedDropouts: 9, toleratedColluders: 2, graph: 'sparse' }),
    ).toThrow(refused('a neighbourhood of 23 (degree 22 + 1) − threshold 16 = 7 < 9'));
    expect(() =>
      planSecAgg({ sites: 100, degree: 7, toleratedDropouts: 0, toleratedColluders: 0, graph: 'sparse' }),
    ).toThrow(refused('degree must be even'));
    expect(
      planSecAgg({ sites: 5, toleratedDropouts: 1, toleratedColluders: 0, graph: 'sparse' }).degree,
    ).toBe(4);
  });
});
