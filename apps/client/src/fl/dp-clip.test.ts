import { describe, expect, it } from 'vitest';
import type { FitIns } from '@fedfuse/protocol';

import { clipForRound } from './dp-clip.ts';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const round = (clip?: number) =>
  ({
    privacy: {
      secureAggregation: false,
      selectedSites: 3,
      minSites: 2,
      ...(clip === undefined
        ? {}
        : {
            dp: {
              clip,
              noiseMultiplier: 1,
              accountedNoiseMultiplier: 1,
              sampleRate: 1,
              delta: 1e-5,
              pastRounds: [],
            },
          }),
    },
  }) as unknown as FitIns;

describe(clipForRound.name, () => {
  it('scales the whole delta down to the round clip, keeping its direction, and says so', () => {
    const delta = Float32Array.of(3, 4, 0, 0); // norm 5
    const outcome = clipForRound(delta, round(1));
    expect(outcome).toEqual({ norm: expect.closeTo(5, 6) as unknown, clip: 1, clipped: true });
    expect(norm(delta)).toBeLessThanOrEqual(1 + 1e-6);
    expect(delta[0]! / delta[1]!).toBeCloseTo(0.75, 6);
  });

  it('leaves a delta inside the clip alone', () => {
    const delta = Float32Array.of(0.3, 0.4);
    expect(clipForRound(delta, round(1))?.clipped).toBe(false);
    expect(Array.from(delta)).toEqual([Float32Array.of(0.3)[0], Float32Array.of(0.4)[0]]);
  });

  it('does nothing in a round that is not differentially private', () => {
    const delta = Float32Array.of(30, 40);
    expect(clipForRound(delta, round())).toBeUndefined();
    expect(norm(delta)).toBeCloseTo(50, 4);
  });
});
