import type { ClientUpdate } from './types.ts';

/** Throws unless `updates` is non-empty, equally long and has valid example counts; returns the length. */
export function assertUpdates(updates: readonly ClientUpdate[], caller: string): number {
  const first = updates[0];
  if (first === undefined) throw new Error(`${caller}: the updates list is empty`);
  const length = first.weights.length;
  updates.forEach((update, index) => {
    if (update.weights.length !== length) {
      throw new Error(
        `${caller}: update ${index} has ${update.weights.length} weights but update 0 has ${length} (mismatched lengths)`,
      );
    }
    assertExampleCount(update.numExamples, `${caller}: update ${index} numExamples`);
  });
  return length;
}

/** Throws unless `count` is a finite, non-negative number of examples. */
export function assertExampleCount(count: number, label: string): void {
  if (!Number.isFinite(count) || count < 0) {
    throw new Error(`${label} must be a finite number >= 0, got ${count}`);
  }
}
