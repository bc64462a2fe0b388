import type { IndexRange } from './types.ts';

/** Per-step options shared by the server optimizers. */
export interface StepOptions {
  /** Flower's 1-based server round; FedAdam's bias correction uses it. Defaults to the optimizer's step count + 1. */
  round?: number;
  /** Ranges no site trained this round: their weights and optimizer state stay exactly as they are. */
  frozen?: readonly IndexRange[];
}

/** An optimizer's state, to persist with a checkpoint so a restarted coordinator resumes its moments. */
export interface OptimizerSnapshot {
  kind: string;
  steps: number;
  /** Named Float64 buffers (m, v, momentum); absent before the first step. */
  state: Record<string, Float64Array>;
}

/** A server-side optimizer (FedOpt family): turns the aggregated weights into the next global weights. */
export interface ServerOptimizer {
  /** Returns the new global weights; `current` is the global model the round started from. */
  step(current: Float32Array, aggregated: Float32Array, options?: StepOptions): Float32Array;
  /** A copy of the optimizer state. */
  snapshot(): OptimizerSnapshot;
  /** Replaces the optimizer state with a copy of `snapshot` (taken from the same kind of optimizer). */
  restore(snapshot: OptimizerSnapshot): void;
}

/** Copies the defined buffers into a snapshot. */
export function takeSnapshot(
  kind: string,
  steps: number,
  buffers: Record<string, Float64Array | undefined>,
): OptimizerSnapshot {
  const state: Record<string, Float64Array> = {};
  for (const [name, buffer] of Object.entries(buffers))
    if (buffer !== undefined) state[name] = buffer.slice();
  return { kind, steps, state };
}

/** Checks a snapshot against the optimizer restoring it and returns copies of its buffers. */
export function readSnapshot(
  snapshot: OptimizerSnapshot,
  expected: { kind: string; buffers: readonly string[] },
): { steps: number; buffers: Record<string, Float64Array | undefined> } {
  const { kind, steps, state } = snapshot;
  if (kind !== expected.kind) throw new Error(`${expected.kind}.restore: the snapshot is of a ${kind}`);
  if (!Number.isInteger(steps) || steps < 0)
    throw new Error(`${kind}.restore: steps must be an integer >= 0`);
  const lengths = new Set(Object.values(state).map((buffer) => buffer.length));
  if (lengths.size > 1) throw new Error(`${kind}.restore: the snapshot's buffers differ in length`);
  const buffers: Record<string, Float64Array | undefined> = {};
  for (const name of Object.keys(state)) {
    if (!expected.buffers.includes(name)) throw new Error(`${kind}.restore: unknown state buffer '${name}'`);
  }
  for (const name of expected.buffers) buffers[name] = state[name]?.slice();
  return { steps, buffers };
}

/** Throws unless both vectors have the same length; returns it. */
export function assertStepInputs(current: Float32Array, aggregated: Float32Array, name: string): number {
  if (current.length !== aggregated.length) {
    throw new Error(
      `${name}.step: current has ${current.length} weights but aggregated has ${aggregated.length}`,
    );
  }
  return current.length;
}

/** Returns `state`, creating zeros on first use; throws if the model size changed between steps. */
export function ensureState(state: Float64Array | undefined, length: number, name: string): Float64Array {
  if (state === undefined) return new Float64Array(length);
  if (state.length !== length) {
    throw new Error(
      `${name}.step: the model has ${length} weights but the optimizer state has ${state.length}`,
    );
  }
  return state;
}

/** Resolves the round a step stands for, validating an explicit one. */
export function stepRound(options: StepOptions, steps: number, name: string): number {
  const round = options.round ?? steps + 1;
  if (!Number.isInteger(round) || round < 1)
    throw new Error(`${name}.step: round must be an integer >= 1, got ${round}`);
  return round;
}

/** The complement of `frozen` in `[0, length)`, as sorted disjoint ranges. */
export function activeRanges(frozen: readonly IndexRange[] | undefined, length: number): IndexRange[] {
  const sorted = [...(frozen ?? [])].sort((a, b) => a.offset - b.offset);
  const active: IndexRange[] = [];
  let cursor = 0;
  for (const { offset, length: size } of sorted) {
    if (offset < 0 || size < 0 || offset + size > length) {
      throw new Error(`frozen range [${offset}, ${offset + size}) lies outside the ${length} weights`);
    }
    if (offset > cursor) active.push({ offset: cursor, length: offset - cursor });
    cursor = Math.max(cursor, offset + size);
  }
  if (cursor < length) active.push({ offset: cursor, length: length - cursor });
  return active;
}

/** Throws unless `value` is finite and within [min, max). */
export function assertHyperParameter(
  value: number,
  bounds: { name: string; min: number; max: number },
): void {
  if (!Number.isFinite(value) || value < bounds.min || value >= bounds.max) {
    throw new Error(`${bounds.name} must be in [${bounds.min}, ${bounds.max}), got ${value}`);
  }
}
