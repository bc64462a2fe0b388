import { assertKnownGroups, groupExampleCount, layoutSegments } from './layout.ts';
import type { LayoutSegment } from './layout.ts';
import { assertUpdates } from './assert-updates.ts';
import { weightedAverageInto } from './weighted-average.ts';
import type { ClientUpdate, ParameterLayout } from './types.ts';

/** Options of {@link fedAvg}: a layout turns on modality-aware (per parameter group) weighting. */
export interface FedAvgOptions {
  /** Which index ranges belong to which parameter group; each group is weighted by its own example counts. */
  layout?: ParameterLayout;
  /** The global weights; a group no update trained keeps these values. */
  current?: Float32Array;
  /**
   * Where to write the result (P floats) instead of a fresh array: a coordinator can reuse one buffer across
   * rounds, which avoids page-faulting a new P-float array in every round. Must not be an update's weights.
   */
  out?: Float32Array;
}

interface GroupTerms {
  weights: Float32Array[];
  coefficients: number[];
}

/**
 * Example-weighted average Σ n_k·w_k / Σ n_k (Flower's `aggregate`), per parameter group when given a layout.
 * @example fedAvg(updates, { layout, current: globalWeights })
 */
export function fedAvg(updates: readonly ClientUpdate[], options: FedAvgOptions = {}): Float32Array {
  const length = assertUpdates(updates, 'fedAvg');
  const { layout, current } = options;
  if (current !== undefined && current.length !== length) {
    throw new Error(`fedAvg: current has ${current.length} weights but the updates have ${length}`);
  }
  if (layout !== undefined) assertKnownGroups(updates, layout);
  const segments: LayoutSegment[] =
    layout === undefined ? [{ offset: 0, length, group: undefined }] : layoutSegments(layout, length);
  const out = outputBuffer(updates, options.out, length);
  const termsByGroup = new Map<string | undefined, GroupTerms | undefined>();
  for (const segment of segments) {
    if (!termsByGroup.has(segment.group)) termsByGroup.set(segment.group, groupTerms(updates, segment.group));
    const terms = termsByGroup.get(segment.group);
    const end = segment.offset + segment.length;
    if (terms !== undefined) {
      weightedAverageInto({ out, ...terms, start: segment.offset, end });
    } else if (current !== undefined) {
      out.set(current.subarray(segment.offset, end), segment.offset);
    } else {
      throw new Error(
        `fedAvg: ${describe(segment.group)} sum to 0 and no current weights were given to keep`,
      );
    }
  }
  return out;
}

/** Normalised coefficients of the updates that trained `group`, or undefined when none did. */
function groupTerms(updates: readonly ClientUpdate[], group: string | undefined): GroupTerms | undefined {
  const counts = updates.map((update) => groupExampleCount(update, group));
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return undefined;
  const terms: GroupTerms = { weights: [], coefficients: [] };
  // Updates with a zero count are skipped, not multiplied by 0: they cost no bandwidth and cannot leak NaN.
  counts.forEach((count, index) => {
    if (count === 0) return;
    terms.weights.push(updates[index]!.weights);
    terms.coefficients.push(count / total);
  });
  return terms;
}

function outputBuffer(
  updates: readonly ClientUpdate[],
  out: Float32Array | undefined,
  length: number,
): Float32Array {
  if (out === undefined) return new Float32Array(length);
  if (out.length !== length)
    throw new Error(`fedAvg: out has ${out.length} floats but the updates have ${length}`);
  if (updates.some((update) => update.weights === out))
    throw new Error("fedAvg: out must not be an update's weights");
  return out;
}

function describe(group: string | undefined): string {
  return group === undefined ? 'the example counts' : `the example counts of group '${group}'`;
}
