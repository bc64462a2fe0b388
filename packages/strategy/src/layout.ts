import { assertExampleCount } from './assert-updates.ts';
import type { ClientUpdate, IndexRange, ParameterLayout } from './types.ts';

/** An update's example counts, which is all the weighting needs (a streamed update's weights are gone). */
type ExampleCounts = Omit<ClientUpdate, 'weights'>;

/** A contiguous range owned by one parameter group; `group` is undefined where the layout is silent. */
export interface LayoutSegment extends IndexRange {
  group: string | undefined;
}

/** Splits `[0, length)` into the layout's ranges plus the gaps between them, in index order. */
export function layoutSegments(layout: ParameterLayout, length: number): LayoutSegment[] {
  const sorted = layout.map((entry) => {
    const { name, offset, length: size } = entry;
    if (!Number.isInteger(offset) || !Number.isInteger(size) || offset < 0 || size < 0) {
      throw new Error(`layout entry '${name}': offset and length must be integers >= 0`);
    }
    if (offset + size > length) {
      throw new Error(`layout entry '${name}' ends at ${offset + size}, past the ${length} weights`);
    }
    return entry;
  });
  sorted.sort((a, b) => a.offset - b.offset);
  const segments: LayoutSegment[] = [];
  let cursor = 0;
  let previous = '';
  for (const { name, offset, length: size, group } of sorted) {
    if (offset < cursor)
      throw new Error(`layout entries '${previous}' and '${name}' overlap at index ${offset}`);
    if (offset > cursor) segments.push({ offset: cursor, length: offset - cursor, group: undefined });
    if (size > 0) segments.push({ offset, length: size, group });
    cursor = offset + size;
    previous = name;
  }
  if (cursor < length) segments.push({ offset: cursor, length: length - cursor, group: undefined });
  return segments;
}

/** Examples of `update` that exercised `group`; a group the update does not mention counts as all of them. */
export function groupExampleCount(update: ExampleCounts, group: string | undefined): number {
  if (group === undefined) return update.numExamples;
  const count = update.groupExamples?.[group] ?? update.numExamples;
  assertExampleCount(count, `groupExamples['${group}']`);
  return count;
}

/** Throws when an update reports examples for a group the layout does not contain (likely a typo). */
export function assertKnownGroups(updates: readonly ExampleCounts[], layout: ParameterLayout): void {
  const known = new Set(layout.map((entry) => entry.group));
  updates.forEach((update, index) => {
    for (const group of Object.keys(update.groupExamples ?? {})) {
      if (!known.has(group)) {
        throw new Error(
          `update ${index} reports examples for group '${group}', which the layout does not contain`,
        );
      }
    }
  });
}

/** The layout ranges whose group no update trained (example counts sum to 0): FedOpt freezes these. */
export function untrainedRanges(updates: readonly ExampleCounts[], layout: ParameterLayout): IndexRange[] {
  const totals = new Map<string, number>();
  for (const { group } of layout) {
    if (!totals.has(group)) {
      totals.set(
        group,
        updates.reduce((sum, update) => sum + groupExampleCount(update, group), 0),
      );
    }
  }
  return layout
    .filter((entry) => totals.get(entry.group) === 0 && entry.length > 0)
    .map(({ offset, length }) => ({ offset, length }));
}
