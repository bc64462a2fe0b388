import type { TriModalModel } from './model.ts';

/** FedProx: ρ and the round's global weights, flat in variable order. */
export interface FlatProximal {
  mu: number;
  reference: Float32Array;
}

interface Segment {
  /** The variable's index in model order. */
  index: number;
  from: number;
  to: number;
  /** λ·decay: the variable's L2 coefficient (0: not decayed). */
  l2: number;
}

/**
 * L2 (λ·decay‖W‖²) and FedProx (ρ/2‖w − w_global‖²) on the flat parameter vector. Neither reads the
 * data, so the optimizer adds their gradients, 2λ·decay·w and ρ(w − w_global), to the data's flat
 * gradient itself instead of tfjs doing it in about a hundred kernels a step (each squared variable's
 * sum seeding its gradient with a tensor of ones the size of the variable), and a data-parallel replica
 * adds them for its share of the positions only.
 */
export class FlatPenalties {
  private readonly segments: Segment[];

  constructor(
    model: TriModalModel,
    private readonly proximal?: FlatProximal,
  ) {
    const { l2 } = model.config;
    let offset = 0;
    this.segments = model.specs.map((spec, index) => {
      const from = offset;
      offset += model.variables[index]!.size;
      return { index, from, to: offset, l2: l2 > 0 ? l2 * spec.decay : 0 };
    });
    if (proximal && proximal.reference.length !== offset)
      throw new Error(
        `FedProx: the global weights have ${proximal.reference.length} values, the model ${offset}`,
      );
  }

  /** Adds 2λ·decay·w + ρ(w − w_global) into `gradient` over `range`, for the flagged variables. */
  addGradient(
    gradient: Float32Array,
    weights: Float32Array,
    at: { range: { from: number; to: number }; trainable: Uint8Array },
  ): void {
    const reference = this.reference;
    this.forEachSegment(at.range, at.trainable, (from, to, c) => {
      const decay = 2 * c.l2;
      if (decay > 0) for (let i = from; i < to; i++) gradient[i]! += decay * weights[i]!;
      if (c.mu > 0) for (let i = from; i < to; i++) gradient[i]! += c.mu * (weights[i]! - reference[i]!);
    });
  }

  /** Runs `each` over the variables that overlap [from, to), clipped to it, with their coefficients. */
  private forEachSegment(
    range: { from: number; to: number },
    trainable: Uint8Array,
    each: (from: number, to: number, coefficients: { l2: number; mu: number }) => void,
  ): void {
    const mu = this.proximal?.mu ?? 0;
    for (const segment of this.segments) {
      const from = Math.max(segment.from, range.from);
      const to = Math.min(segment.to, range.to);
      if (from >= to) continue;
      const on = trainable[segment.index] === 1;
      each(from, to, { l2: on ? segment.l2 : 0, mu: on ? mu : 0 });
    }
  }

  private get reference(): Float32Array {
    return this.proximal?.reference ?? EMPTY;
  }

  /** Both terms' values at `weights`, over the variables flagged in `trainable`. */
  values(weights: Float32Array, trainable: Uint8Array): { l2: number; proximal: number } {
    let l2 = 0;
    let proximal = 0;
    const reference = this.reference;
    this.forEachSegment({ from: 0, to: weights.length }, trainable, (from, to, c) => {
      let squares = 0;
      if (c.l2 > 0) for (let i = from; i < to; i++) squares += weights[i]! * weights[i]!;
      l2 += c.l2 * squares;
      let distances = 0;
      if (c.mu > 0)
        for (let i = from; i < to; i++)
          distances += (weights[i]! - reference[i]!) * (weights[i]! - reference[i]!);
      proximal += (c.mu / 2) * distances;
    });
    return { l2, proximal };
  }
}

const EMPTY = new Float32Array(0);
