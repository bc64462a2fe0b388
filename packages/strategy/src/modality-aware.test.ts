import { describe, expect, it } from 'vitest';
import { FedAdam } from './fed-adam.ts';
import { fedAvg } from './fed-avg.ts';
import { untrainedRanges } from './layout.ts';
import type { ClientUpdate, ParameterLayout } from './types.ts';

// A fused model: two EHR weights, two imaging weights, one fusion weight, one cancer-head weight,
// and one weight (index 6) the layout does not mention.
const layout: ParameterLayout = [
  { name: 'ehr.dense', offset: 0, length: 2, group: 'ehr' },
  { name: 'imaging.conv', offset: 2, length: 2, group: 'imaging' },
  { name: 'fusion.dense', offset: 4, length: 1, group: 'fusion' },
  { name: 'head.cancer.dense', offset: 5, length: 1, group: 'head.cancer' },
];
const current = Float32Array.from([0, 0, 50, 60, 0, 0, 0]);

const site = (
  weights: number[],
  numExamples: number,
  groupExamples?: Record<string, number>,
): ClientUpdate =>
  groupExamples === undefined
    ? { weights: Float32Array.from(weights), numExamples }
    : { weights: Float32Array.from(weights), numExamples, groupExamples };

// Site A has no imaging: its imaging weights are just the global ones sent back.
const siteA = site([1, 1, 50, 60, 1, 1, 1], 120, { ehr: 120, imaging: 0, fusion: 120, 'head.cancer': 100 });
const siteB = site([3, 3, 10, 20, 3, 3, 3], 40, { imaging: 40 });
const siteC = site([5, 5, 30, 40, 5, 5, 5], 40, { imaging: 20, 'head.cancer': 0 });

describe('modality-aware fedAvg', () => {
  it('averages the imaging weights over only the sites that trained them', () => {
    // Execute
    const result = fedAvg([siteA, siteB, siteC], { layout, current });
    // Assert: imaging = (40·B + 20·C) / 60; site A's 0 imaging examples give it no say
    expect(result[2]).toBeCloseTo((40 * 10 + 20 * 30) / 60, 5);
    expect(result[3]).toBeCloseTo((40 * 20 + 20 * 40) / 60, 5);
    // ehr and fusion: every site trained them with all its examples, (120·1 + 40·3 + 40·5) / 200
    expect(result[0]).toBeCloseTo(2.2, 5);
    expect(result[4]).toBeCloseTo(2.2, 5);
    // head.cancer: A 100, B 40 (all its examples), C 0 → (100·1 + 40·3) / 140
    expect(result[5]).toBeCloseTo(220 / 140, 5);
    // the weight outside the layout falls back to numExamples, like plain FedAvg
    expect(result[6]).toBeCloseTo(2.2, 5);
  });

  it('leaves a group exactly unchanged when no site trained it', () => {
    const noImaging = [
      siteA,
      site([3, 3, 11, 21, 3, 3, 3], 40, { imaging: 0 }),
      site([5, 5, 31, 41, 5, 5, 5], 40, { imaging: 0 }),
    ];
    const result = fedAvg(noImaging, { layout, current });
    expect(Array.from(result.subarray(2, 4))).toEqual([50, 60]);
    expect(result[0]).toBeCloseTo(2.2, 5);
    expect(untrainedRanges(noImaging, layout)).toEqual([{ offset: 2, length: 2 }]);
  });

  it('needs the current weights to keep an untrained group', () => {
    const noImaging = [site([1, 1, 2, 2, 1, 1, 1], 10, { imaging: 0 })];
    expect(() => fedAvg(noImaging, { layout })).toThrow(/group 'imaging' sum to 0 and no current weights/);
  });

  it('keeps untrained groups and their optimizer state still under FedAdam', () => {
    const optimizer = new FedAdam({ eta: 0.1 });
    const global = Float32Array.from(current);
    const round1 = fedAvg([siteA, siteB, siteC], { layout, current: global });
    const afterRound1 = optimizer.step(global, round1, { round: 1 });
    expect(afterRound1[2]).not.toBe(50);
    // Round 2: nobody has imaging. Adam's momentum would keep moving imaging; the frozen range must not move.
    const noImaging = [siteA, site([3, 3, 0, 0, 3, 3, 3], 40, { imaging: 0 })];
    const round2 = fedAvg(noImaging, { layout, current: afterRound1 });
    const frozen = untrainedRanges(noImaging, layout);
    const afterRound2 = optimizer.step(afterRound1, round2, { round: 2, frozen });
    expect(Array.from(afterRound2.subarray(2, 4))).toEqual(Array.from(afterRound1.subarray(2, 4)));
    expect(afterRound2[0]).not.toBe(afterRound1[0]);
  });

  it('rejects overlapping or out-of-range layouts and unknown group names', () => {
    const overlapping: ParameterLayout = [
      { name: 'a', offset: 0, length: 3, group: 'ehr' },
      { name: 'b', offset: 2, length: 2, group: 'imaging' },
    ];
    expect(() => fedAvg([siteB], { layout: overlapping, current })).toThrow(/'a' and 'b' overlap at index 2/);
    const tooLong: ParameterLayout = [{ name: 'big', offset: 5, length: 5, group: 'ehr' }];
    expect(() => fedAvg([site([1, 1, 1, 1, 1, 1, 1], 5)], { layout: tooLong, current })).toThrow(
      /'big' ends at 10, past the 7 weights/,
    );
    const typo = site([1, 1, 1, 1, 1, 1, 1], 5, { imagin: 0 });
    expect(() => fedAvg([typo], { layout, current })).toThrow(
      /group 'imagin', which the layout does not contain/,
    );
    const negative = site([1, 1, 1, 1, 1, 1, 1], 5, { imaging: -1 });
    expect(() => fedAvg([negative], { layout, current })).toThrow(/groupExamples\['imaging'\] must be/);
  });
});
