import { assertExampleCount } from './assert-updates.ts';
import { assertKnownGroups, groupExampleCount, layoutSegments } from './layout.ts';
import type { LayoutSegment } from './layout.ts';
import type { Metrics } from './strategy.ts';
import type { ClientUpdate, ParameterLayout } from './types.ts';

/** What a running aggregate keeps of an update once its weights are added in: counts and metrics. */
export type UpdateSummary = Omit<ClientUpdate, 'weights'> & { metrics?: Metrics };

/**
 * FedAvg fed one update at a time: Σ n_k·w_k per parameter group, then divided by Σ n_k. Memory is
 * O(model) however many updates arrive, so a coordinator adds each update as it is accepted and drops it.
 * The sum is kept as two doubles per weight (hi + lo, Knuth's TwoSum): n_k·w_k is exact in a double, and
 * the pair loses nothing when adding them, so the mean does not depend on the order updates arrive in.
 * @example const sum = new RunningFedAvg(P, layout); sum.add(update); const mean = sum.mean(globalWeights);
 */
export class RunningFedAvg {
  private hi: Float64Array;
  private lo: Float64Array;
  /** Set once `reusing` handed the arrays to another sum: this one may not add or average any more. */
  private retired = false;
  private readonly segments: readonly LayoutSegment[];
  private readonly totals = new Map<string | undefined, number>();
  private readonly summaries: UpdateSummary[] = [];

  /** `arrays`: zeroed memory for the sum, each of `length` doubles (see `reusing`); fresh ones by default. */
  constructor(
    readonly length: number,
    private readonly layout?: ParameterLayout,
    arrays?: { hi: Float64Array; lo: Float64Array },
  ) {
    if (arrays && (arrays.hi.length !== length || arrays.lo.length !== length || arrays.hi === arrays.lo))
      throw new Error(`RunningFedAvg: the arrays given must be two distinct arrays of ${length} doubles`);
    this.hi = arrays?.hi ?? new Float64Array(length);
    this.lo = arrays?.lo ?? new Float64Array(length);
    this.segments =
      layout === undefined ? [{ offset: 0, length, group: undefined }] : layoutSegments(layout, length);
  }

  /**
   * An empty sum that takes over `previous`'s two model-sized arrays, zeroed, when it has `length` weights
   * (a coordinator sums every round of a run into the same memory: 18 MB a round less garbage at 1.1M
   * weights). `previous` is retired: adding to it or averaging it throws, so the arrays are never shared.
   */
  static reusing(
    previous: RunningFedAvg | undefined,
    length: number,
    layout?: ParameterLayout,
  ): RunningFedAvg {
    if (previous === undefined || previous.retired || previous.length !== length)
      return new RunningFedAvg(length, layout);
    const arrays = { hi: previous.hi.fill(0), lo: previous.lo.fill(0) };
    previous.retired = true;
    previous.hi = previous.lo = new Float64Array(0);
    return new RunningFedAvg(length, layout, arrays);
  }

  /** The updates added so far, without their weights. */
  get added(): readonly UpdateSummary[] {
    return this.summaries;
  }

  /** Adds one update's weights, weighted by its (per-group) example counts. Throws and adds nothing on bad input. */
  add(update: ClientUpdate & { metrics?: Metrics }): void {
    this.addWeights(update, undefined);
  }

  /**
   * Adds the update whose weights are `base + update.weights` (a delta on top of `base`), each rounded to
   * float32 as a Float32Array of them would hold: the same sum as `add` with those weights, bit for bit,
   * without building them (one pass, no model-sized buffer).
   */
  addDelta(base: Float32Array, update: ClientUpdate & { metrics?: Metrics }): void {
    if (base.length !== this.length)
      throw new Error(`RunningFedAvg: the base has ${base.length} weights, expected ${this.length}`);
    this.addWeights(update, base);
  }

  private addWeights(update: ClientUpdate & { metrics?: Metrics }, base: Float32Array | undefined): void {
    this.assertInUse();
    if (update.weights.length !== this.length)
      throw new Error(
        `RunningFedAvg: the update has ${update.weights.length} weights, expected ${this.length}`,
      );
    assertExampleCount(update.numExamples, 'RunningFedAvg: numExamples');
    if (this.layout !== undefined) assertKnownGroups([update], this.layout);
    const counts = this.segments.map((segment) => groupExampleCount(update, segment.group));
    this.segments.forEach((segment, index) => {
      const count = counts[index]!;
      // A zero count adds nothing, and skipping it keeps a NaN weight of an untrained group out.
      if (count > 0) {
        if (base === undefined) this.addRange(update.weights, count, segment);
        else this.addDeltaRange({ base, delta: update.weights }, count, segment);
      }
    });
    for (const [group, count] of this.groupCounts(counts))
      this.totals.set(group, (this.totals.get(group) ?? 0) + count);
    const { weights: _weights, ...summary } = update;
    this.summaries.push(summary);
  }

  /**
   * The example-weighted mean, as `fedAvg(updates, { layout, current })` computes it (to float rounding); a
   * group no update trained keeps `current`'s values.
   */
  mean(current?: Float32Array): Float32Array {
    this.assertInUse();
    if (this.summaries.length === 0) throw new Error('RunningFedAvg: no update was added');
    if (current !== undefined && current.length !== this.length)
      throw new Error(`RunningFedAvg: current has ${current.length} weights, expected ${this.length}`);
    const out = new Float32Array(this.length);
    for (const segment of this.segments) {
      const total = this.totals.get(segment.group) ?? 0;
      const end = segment.offset + segment.length;
      if (total > 0) {
        for (let i = segment.offset; i < end; i++) out[i] = (this.hi[i]! + this.lo[i]!) / total;
      } else if (current !== undefined) {
        out.set(current.subarray(segment.offset, end), segment.offset);
      } else {
        const what = segment.group === undefined ? 'the example counts' : `group '${segment.group}'`;
        throw new Error(`RunningFedAvg: ${what} sum to 0 and no current weights were given to keep`);
      }
    }
    return out;
  }

  private assertInUse(): void {
    if (this.retired) throw new Error('RunningFedAvg: this sum was retired (its arrays went to a new sum)');
  }

  /** One count per group (segments of a group share it). */
  private groupCounts(counts: readonly number[]): Map<string | undefined, number> {
    const byGroup = new Map<string | undefined, number>();
    this.segments.forEach((segment, index) => byGroup.set(segment.group, counts[index]!));
    return byGroup;
  }

  /** addRange of the weights fround(base + delta), the same arithmetic term by term. */
  private addDeltaRange(
    { base, delta }: { base: Float32Array; delta: Float32Array },
    count: number,
    segment: LayoutSegment,
  ): void {
    const { hi, lo } = this;
    const end = segment.offset + segment.length;
    for (let i = segment.offset; i < end; i++) {
      const term = count * Math.fround(base[i]! + delta[i]!);
      const before = hi[i]!;
      const sum = before + term;
      const back = sum - before;
      lo[i]! += before - (sum - back) + (term - back);
      hi[i] = sum;
    }
  }

  private addRange(weights: Float32Array, count: number, segment: LayoutSegment): void {
    const { hi, lo } = this;
    const end = segment.offset + segment.length;
    for (let i = segment.offset; i < end; i++) {
      const term = count * weights[i]!;
      const before = hi[i]!;
      const sum = before + term;
      const back = sum - before;
      lo[i]! += before - (sum - back) + (term - back);
      hi[i] = sum;
    }
  }
}
