import { describe, expect, it } from 'vitest';

import { planSecAgg } from './plan.ts';
import { checkLayout, decodeSum, encodeUpdate, quantisationScale } from './quantize.ts';
import type { SecAggLayout } from './quantize.ts';

const plan = planSecAgg({
  sites: 3,
  toleratedDropouts: 0,
  toleratedColluders: 0,
  graph: 'complete',
  maxExamples: 100,
});
const layout: SecAggLayout = {
  length: 4,
  groups: [
    { name: 'a', ranges: [{ offset: 0, length: 2 }] },
    { name: 'b', ranges: [{ offset: 2, length: 2 }] },
  ],
};
const zeros = (size: number): Uint8Array => new Uint8Array(size);

describe('quantisation', () => {
  it('refuses layouts that leave an index out or put it in two groups', () => {
    const gap = {
      length: 4,
      groups: [
        { name: 'a', ranges: [{ offset: 0, length: 1 }] },
        { name: 'b', ranges: [{ offset: 2, length: 2 }] },
      ],
    };
    expect(() => checkLayout(gap)).toThrow(
      expect.objectContaining({ code: 'invalid_config', message: "group 'b': index 1 is in no group" }),
    );
    const overlap = {
      length: 4,
      groups: [
        { name: 'a', ranges: [{ offset: 0, length: 3 }] },
        { name: 'b', ranges: [{ offset: 2, length: 2 }] },
      ],
    };
    expect(() => checkLayout(overlap)).toThrow(
      expect.objectContaining({ message: "group 'b': index 2 is in two groups" }),
    );
  });

  it('clips to ±clip, weights by examples, and decodes the weighted mean per group', () => {
    const one = encodeUpdate({
      plan,
      layout,
      update: { weights: Float32Array.of(20, -1, 0.5, 0.25), numExamples: 100, groupExamples: { b: 0 } },
      random: zeros,
    });
    const two = encodeUpdate({
      plan,
      layout,
      update: { weights: Float32Array.of(0, 1, 0.5, 0.75), numExamples: 50 },
      random: zeros,
    });
    const sum = one.map((w, i) => w + two[i]!);
    const { mean, groupExamples } = decodeSum({ plan, layout, sum, sites: 2 });
    expect(groupExamples).toEqual({ a: 150, b: 50 });
    expect(mean[0]).toBeCloseTo((8 * 100) / 150, 5); // 20 clipped to 8
    expect(mean[1]).toBeCloseTo((-100 + 50) / 150, 5);
    expect(mean[3]).toBeCloseTo(0.75, 5); // only the second site trained group b
  });

  it('refuses non-finite weights and counts above maxExamples, naming them', () => {
    const update = { weights: Float32Array.of(0, NaN, 0, 0), numExamples: 10 };
    expect(() => encodeUpdate({ plan, layout, update, random: zeros })).toThrow(
      expect.objectContaining({ code: 'invalid_payload', message: 'weights[1] is NaN' }),
    );
    const many = { weights: new Float32Array(4), numExamples: 101 };
    expect(() => encodeUpdate({ plan, layout, update: many, random: zeros })).toThrow(
      expect.objectContaining({ message: "examples for group 'a' must be an integer in [0, 100], got 101" }),
    );
  });

  it('adds integer noise before masking: the decoded mean moves by the summed noise over γ·sites', () => {
    const equal = { numExamples: plan.maxExamples };
    const noiseOf = (values: number[]) => Int32Array.from(values);
    const one = encodeUpdate({
      plan,
      layout,
      update: { weights: Float32Array.of(1, -1, 0, 2), ...equal, noise: noiseOf([-3_000_000, 5, 0, -7]) },
      random: zeros,
    });
    const two = encodeUpdate({
      plan,
      layout,
      update: { weights: Float32Array.of(3, 1, 0, 0), ...equal, noise: noiseOf([-2_000_000, 0, 0, 1]) },
      random: zeros,
    });
    const sum = one.map((w, i) => (w + two[i]!) >>> 0);
    const { mean } = decodeSum({ plan, layout, sum, sites: 2 });
    const scale = quantisationScale(plan);
    // Negative noise larger than the value wraps below zero mod 2^32 and still decodes (two's complement).
    expect(mean[0]).toBeCloseTo(2 + -5_000_000 / (2 * scale), 4);
    expect(mean[1]).toBeCloseTo(5 / (2 * scale), 5);
    expect(mean[3]).toBeCloseTo(1 - 6 / (2 * scale), 5);
  });

  it('refuses noise of another length than the weights', () => {
    const update = { weights: new Float32Array(4), numExamples: 1, noise: new Int32Array(3) };
    expect(() => encodeUpdate({ plan, layout, update, random: zeros })).toThrow(
      expect.objectContaining({
        code: 'invalid_payload',
        message: 'noise has 3 values, the layout 4 weights',
      }),
    );
  });

  it('rounds up exactly when the noise word is below frac(v)·2^32, at the boundaries too', () => {
    const one: SecAggLayout = { length: 1, groups: [{ name: 'all', ranges: [{ offset: 0, length: 1 }] }] };
    const scale = (2 ** (plan.levelsLog2 - 1) - 1) / plan.clip;
    // numExamples = maxExamples, so v = w·scale; weights with small, large, negative and whole-step v.
    const weights = [0, 1 / scale, 2.5 / scale, -2.5 / scale, 0.123456, -7.654321, 3e-7, -3e-7, plan.clip];
    let cases = 0;
    for (const w of weights) {
      const v = Math.fround(w) * scale;
      const low = Math.floor(v);
      const t = (v - low) * 2 ** 32; // exact: the old comparison rounded up iff noise < t
      const words = [0, 1, Math.floor(t), Math.ceil(t), Math.ceil(t) + 1, 2 ** 32 - 1]
        .filter((u) => u >= 0 && u < 2 ** 32)
        .map((u) => u >>> 0);
      for (const word of words) {
        const noise = (size: number) => new Uint8Array(Uint32Array.of(word).buffer).slice(0, size);
        const [got] = encodeUpdate({
          plan,
          layout: one,
          update: { weights: Float32Array.of(w), numExamples: plan.maxExamples },
          random: noise,
        });
        expect(got).toBe((low + (word < t ? 1 : 0)) >>> 0);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(40);
  });
});
