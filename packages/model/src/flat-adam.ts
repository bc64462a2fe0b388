import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { copyValues } from './copy-values.ts';
import type { FlatPenalties } from './flat-penalties.ts';

/** tf.train.adam's defaults, which training used before this class. */
const BETA1 = 0.9;
const BETA2 = 0.999;

/** Positions [from, to) of the flat parameter vector. */
export interface FlatRange {
  from: number;
  to: number;
}

/**
 * Adam over all of a model's variables as one flat vector, in one loop. tfjs' Adam runs about fourteen
 * kernels per variable (≈ 630 a step of the default model); this is the same update (β1 0.9, β2 0.999,
 * ε the backend's), to float rounding, and in a data-parallel group each replica can update only its
 * share of the positions and take the others' from them.
 */
export class FlatAdam {
  private readonly first: Float32Array;
  private readonly second: Float32Array;
  private readonly weights: Float32Array;
  private readonly epsilon = tf.backend().epsilon();
  private steps = 0;
  private flatGradient: Float32Array | undefined;

  constructor(
    private readonly variables: readonly Variable[],
    private readonly learningRate: number,
    private readonly penalties?: FlatPenalties,
  ) {
    const size = variables.reduce((sum, v) => sum + v.size, 0);
    this.first = new Float32Array(size);
    this.second = new Float32Array(size);
    this.weights = new Float32Array(size);
    let offset = 0;
    for (const variable of variables) {
      this.weights.set(variable.dataSync() as Float32Array, offset);
      offset += variable.size;
    }
  }

  /** Parameters in the flat vector. */
  get size(): number {
    return this.weights.length;
  }

  /**
   * One step's update of positions `range` from `gradient` (flat, variable order), written into `out`
   * at the same positions. The penalties' gradients are first added into `gradient` there, for the
   * variables flagged in `trainable`. Every call is the next step, so call it once a step.
   */
  update(gradient: Float32Array, at: { range: FlatRange; trainable: Uint8Array }, out: Float32Array): void {
    this.steps++;
    this.penalties?.addGradient(gradient, this.weights, at);
    const { first, second, weights, learningRate, epsilon } = this;
    // The bias corrections folded into two factors: one division an element instead of three (each
    // ≈ 15 cycles, the loop's cost), equal to float32 rounding.
    const stepSize = learningRate / (1 - BETA1 ** this.steps);
    const secondScale = 1 / (1 - BETA2 ** this.steps);
    for (let i = at.range.from; i < at.range.to; i++) {
      const g = gradient[i]!;
      const m = first[i]! * BETA1 + g * (1 - BETA1);
      const v = second[i]! * BETA2 + g * g * (1 - BETA2);
      first[i] = m;
      second[i] = v;
      out[i] = weights[i]! - (stepSize * m) / (Math.sqrt(v * secondScale) + epsilon);
    }
  }

  /** The penalties' values at the current weights over the flagged variables (zeros without them). */
  penaltyValues(trainable: Uint8Array): { l2: number; proximal: number } {
    return this.penalties?.values(this.weights, trainable) ?? { l2: 0, proximal: 0 };
  }

  /** Takes `weights` (the whole vector, after every replica's update) as the variables' values. */
  adopt(weights: Float32Array): void {
    this.weights.set(weights.subarray(0, this.size));
    this.assignVariables();
  }

  /** One step over every position from a flat gradient. */
  step(gradient: Float32Array, trainable: Uint8Array): void {
    // In place: update reads each position's weight before it writes it.
    this.update(gradient, { range: { from: 0, to: this.size }, trainable }, this.weights);
    this.assignVariables();
  }

  /** One step from a gradient per variable, in variable order (undefined: zero). */
  stepTensors(gradients: (Tensor | undefined)[], trainable: Uint8Array): void {
    // One buffer for every step: a fresh 4 MB array a step is garbage the collector then chases.
    this.flatGradient ??= new Float32Array(this.size);
    const flat = this.flatGradient;
    let offset = 0;
    this.variables.forEach((variable, i) => {
      const gradient = gradients[i];
      if (gradient) copyValues(gradient, flat, offset);
      else flat.fill(0, offset, offset + variable.size);
      offset += variable.size;
    });
    this.step(flat, trainable);
  }

  private assignVariables(): void {
    let offset = 0;
    // The cpu and tensorflow backends keep the array they are given, and this one changes every step:
    // they get a copy. wasm copies it into its heap itself.
    const own = tf.getBackend() !== 'wasm';
    for (const variable of this.variables) {
      const values = this.weights.subarray(offset, offset + variable.size);
      const value = tf.tensor(own ? values.slice() : values, variable.shape);
      variable.assign(value);
      value.dispose();
      offset += variable.size;
    }
  }
}
