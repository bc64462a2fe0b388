import { SecAggError, check } from './errors.ts';
import type { RandomBytes } from './keys.ts';
import type { SecAggPlan } from './plan.ts';

/** A half-open index range `[offset, offset + length)` of the flat weight vector. */
export interface IndexRange {
  offset: number;
  length: number;
}

/** One parameter group (e.g. a modality's encoder) and the index ranges it owns. */
export interface SecAggGroup {
  name: string;
  ranges: readonly IndexRange[];
}

/** The flat weight vector split into groups that cover every index exactly once; each group is averaged over its own example count. */
export interface SecAggLayout {
  length: number;
  groups: readonly SecAggGroup[];
}

/** One site's training result: weights and the examples behind them, per group where they differ. */
export interface SiteUpdate {
  weights: Float32Array;
  numExamples: number;
  /** Examples that exercised each group; a group left out counts as `numExamples`. */
  groupExamples?: Readonly<Record<string, number>>;
  /**
   * Integer noise in quantised units, one per weight, added after quantising and before masking (distributed
   * DP: the sites' noise adds up in the sum, and only the noised sum is ever unmasked).
   */
  noise?: Int32Array;
}

/** Throws `invalid_config` unless the groups cover `[0, length)` exactly once with distinct names. */
export function checkLayout(layout: SecAggLayout): void {
  check(
    Number.isSafeInteger(layout.length) && layout.length > 0,
    'invalid_config',
    () => `layout.length must be a positive integer, got ${layout.length}`,
  );
  check(layout.groups.length > 0, 'invalid_config', () => 'layout.groups is empty');
  const names = new Set(layout.groups.map((g) => g.name));
  check(names.size === layout.groups.length, 'invalid_config', () => 'layout.groups has a repeated name');
  const ranges = layout.groups.flatMap((g) => g.ranges.map((r) => ({ ...r, group: g.name })));
  ranges.sort((a, b) => a.offset - b.offset);
  let cursor = 0;
  for (const r of ranges) {
    const ok = Number.isSafeInteger(r.offset) && Number.isSafeInteger(r.length) && r.length > 0;
    check(
      ok,
      'invalid_config',
      () => `group '${r.group}': range offsets and lengths must be integers, lengths > 0`,
    );
    check(
      r.offset === cursor,
      'invalid_config',
      () =>
        `group '${r.group}': index ${Math.min(r.offset, cursor)} is ${r.offset > cursor ? 'in no group' : 'in two groups'}`,
    );
    cursor += r.length;
  }
  check(
    cursor === layout.length,
    'invalid_config',
    () => `layout groups cover ${cursor} of ${layout.length} weights`,
  );
}

/** Words in a masked vector: the weights, then one example count per group. */
export function maskedLength(layout: SecAggLayout): number {
  return layout.length + layout.groups.length;
}

const TWO_32 = 2 ** 32;

/** Fixed-point units per unit of weight·(examples / maxExamples): γ of a distributed-DP round. */
export function quantisationScale(plan: Pick<SecAggPlan, 'levelsLog2' | 'clip'>): number {
  return (2 ** (plan.levelsLog2 - 1) - 1) / plan.clip;
}

function groupCounts(update: SiteUpdate, layout: SecAggLayout, plan: SecAggPlan): number[] {
  const known = new Set(layout.groups.map((g) => g.name));
  for (const name of Object.keys(update.groupExamples ?? {}))
    check(
      known.has(name),
      'invalid_payload',
      () => `groupExamples names '${name}', which the layout does not contain`,
    );
  return layout.groups.map((g) => {
    const count = update.groupExamples?.[g.name] ?? update.numExamples;
    const ok = Number.isSafeInteger(count) && count >= 0 && count <= plan.maxExamples;
    check(
      ok,
      'invalid_payload',
      () => `examples for group '${g.name}' must be an integer in [0, ${plan.maxExamples}], got ${count}`,
    );
    return count;
  });
}

/**
 * Quantise an update into the vector a site masks (mod 2^32): each weight clipped to ±clip, times its group's
 * examples / maxExamples, scaled to the plan's levels and rounded stochastically (unbiased) with `random`;
 * then each group's example count, exactly. The masked sum thus holds Σ n·w and Σ n per group.
 */
export function encodeUpdate(args: {
  plan: SecAggPlan;
  layout: SecAggLayout;
  update: SiteUpdate;
  random: RandomBytes;
}): Uint32Array<ArrayBuffer> {
  const { plan, layout, update } = args;
  check(
    update.weights.length === layout.length,
    'invalid_payload',
    () => `update has ${update.weights.length} weights, the layout ${layout.length}`,
  );
  const counts = groupCounts(update, layout, plan);
  const out = new Uint32Array(maskedLength(layout));
  const scale = quantisationScale(plan);
  layout.groups.forEach((group, g) => {
    const factor = (counts[g]! / plan.maxExamples) * scale;
    // An untrained group adds nothing, and its NaN weights stay out.
    if (factor > 0)
      for (const range of group.ranges)
        quantiseRange({ out, weights: update.weights, random: args.random, range, clip: plan.clip, factor });
    out[layout.length + g] = counts[g]!;
  });
  if (update.noise) addNoise(out, update.noise, layout.length);
  return out;
}

function addNoise(out: Uint32Array, noise: Int32Array, length: number): void {
  check(
    noise.length === length,
    'invalid_payload',
    () => `noise has ${noise.length} values, the layout ${length} weights`,
  );
  for (let i = 0; i < length; i++) out[i] = (out[i]! + noise[i]!) >>> 0; // two's complement, mod 2^32
}

/** Random words drawn per block: small enough to stay in cache, never a model-sized allocation. */
const NOISE_WORDS = 16 * 1024;
const TWO_MINUS_32 = 2 ** -32;

/**
 * The hot loop of encodeUpdate, with everything it reads in locals; uniform noise drawn block by block.
 * Branch-free stochastic rounding: with t = frac(v)·2^32 (exact) and u the noise word, ceil((t − u)·2^−32) is
 * 1 when u < t and 0 otherwise (t − u lies in (−2^32, 2^32) and keeps its exact sign), i.e. floor(v) + 1 with
 * probability frac(v). A data-dependent branch here mispredicted half the time and cost ~2× the loop.
 */
function quantiseRange(args: {
  out: Uint32Array;
  weights: Float32Array;
  random: RandomBytes;
  range: IndexRange;
  clip: number;
  factor: number;
}): void {
  const { out, weights, clip, factor } = args;
  const end = args.range.offset + args.range.length;
  for (let block = args.range.offset; block < end; block += NOISE_WORDS) {
    const count = Math.min(NOISE_WORDS, end - block);
    const bytes = args.random(4 * count);
    const noise =
      bytes.byteOffset % 4 === 0
        ? new Uint32Array(bytes.buffer, bytes.byteOffset, count)
        : new Uint32Array(bytes.slice().buffer);
    for (let j = 0; j < count; j++) {
      const i = block + j;
      let w = weights[i]!;
      if (!(w >= -clip && w <= clip)) {
        if (!Number.isFinite(w)) throw new SecAggError('invalid_payload', `weights[${i}] is ${w}`);
        w = w > 0 ? clip : -clip;
      }
      const v = w * factor;
      const low = Math.floor(v);
      // A Uint32Array store wraps a negative sum mod 2^32 (two's complement).
      out[i] = low + Math.ceil(((v - low) * TWO_32 - noise[j]!) * TWO_MINUS_32);
    }
    noise.fill(0);
  }
}

/** The unmasked aggregate: the example-weighted mean per group, and how far quantisation can move it. */
export interface DecodedAggregate {
  mean: Float32Array;
  /** Σ examples per group over the sites in the sum. */
  groupExamples: Record<string, number>;
  /** Per group, the largest error stochastic rounding can add to any mean weight (inputs within ±clip). */
  errorBound: Record<string, number>;
}

/**
 * Turn an unmasked sum of `sites` encoded updates back into the weighted mean; a group no site trained keeps
 * `current`'s values (or throws `below_threshold` when there is none to keep).
 */
export function decodeSum(args: {
  plan: SecAggPlan;
  layout: SecAggLayout;
  sum: Uint32Array;
  sites: number;
  current?: Float32Array;
}): DecodedAggregate {
  const { plan, layout, sum } = args;
  const scale = quantisationScale(plan);
  const mean = new Float32Array(layout.length);
  const groupExamples: Record<string, number> = {};
  const errorBound: Record<string, number> = {};
  layout.groups.forEach((group, g) => {
    const total = sum[layout.length + g]!;
    groupExamples[group.name] = total;
    errorBound[group.name] = total > 0 ? (args.sites * plan.maxExamples) / (scale * total) : 0;
    const factor = plan.maxExamples / scale / total;
    for (const { offset, length } of group.ranges) {
      if (total > 0) for (let i = offset; i < offset + length; i++) mean[i] = (sum[i]! | 0) * factor;
      else {
        check(
          args.current !== undefined,
          'below_threshold',
          () => `no site trained group '${group.name}' and no current weights were given to keep`,
        );
        mean.set(args.current.subarray(offset, offset + length), offset);
      }
    }
  });
  return { mean, groupExamples, errorBound };
}
