// Record-level DP-SGD (Abadi et al. 2016) at a site: each example's gradient clipped to C, Gaussian
// noise of σ = z·C added to the sum, the sum divided by the batch size. tfjs has no per-example
// gradient (no vmap), so each example is a microbatch of one; data-parallel replicas split the examples.
import * as tf from '@tensorflow/tfjs-core';
import { computeEpsilon, gaussianNoise } from '@fedfuse/privacy';
import { LOSS_TERMS } from './loss.ts';
import type { GradientExchange } from './gradient-exchange.ts';
import type { StepContext, StepPlan } from './part-gradients.ts';
import { partGradients } from './part-gradients.ts';
import { shardRange } from './shard.ts';

export interface DpSgdOptions {
  /** C: the L2 bound on each example's gradient (Infinity only with noiseMultiplier 0). */
  clip: number;
  /** z: the noise standard deviation as a multiple of C. */
  noiseMultiplier: number;
}

/** Refuses DP-SGD options that cannot be honoured, naming the field. */
export function checkDpSgd(dp: DpSgdOptions): void {
  if (!(dp.clip > 0)) throw new Error(`Training: dpSgd.clip must be > 0, got ${dp.clip}`);
  if (!(Number.isFinite(dp.noiseMultiplier) && dp.noiseMultiplier >= 0)) {
    throw new Error(`Training: dpSgd.noiseMultiplier must be a finite number ≥ 0, got ${dp.noiseMultiplier}`);
  }
  if (dp.noiseMultiplier > 0 && !Number.isFinite(dp.clip)) {
    throw new Error('Training: dpSgd.clip must be finite when dpSgd.noiseMultiplier > 0 (noise is z·C)');
  }
}

/**
 * The privatised gradient of one step, one tensor per model variable in order, and the step's loss
 * terms. Every variable gets noise, trained by this batch or not: which ones moved would otherwise
 * tell whether any example in the batch had, say, an image. L2 and FedProx do not read the data: the
 * optimizer adds them unclipped and without noise, over every variable for the same reason.
 */
export function privateGradients(
  context: StepContext,
  plan: StepPlan,
  dp: DpSgdOptions,
): { grads: tf.Tensor[]; terms: Float32Array } {
  const { sums, terms } = clippedSum(context, plan, { clip: dp.clip, first: 0 });
  const noisy = withNoise(sums, dp);
  sums.forEach((t) => t.dispose());
  return finishPrivate({ sums: noisy, terms, batchSize: plan.rows.length });
}

/**
 * One data-parallel replica's share of a DP-SGD step, flat in variable order then the loss terms:
 * the clipped sum of its rows, and (replica 0 alone) the step's noise, so the all-reduced sum holds
 * every example once and the noise once.
 */
export function replicaPrivateSum(
  context: StepContext,
  plan: StepPlan,
  seat: { exchange: GradientExchange; dp: DpSgdOptions },
): Float32Array {
  const { model } = context;
  const { exchange, dp } = seat;
  const size = model.variables.reduce((sum, v) => sum + v.size, 0);
  const flat = new Float32Array(size + LOSS_TERMS.length);
  const part = shardRange(plan.rows.length, { index: exchange.index, count: exchange.replicas });
  if (part.end === part.start) return flat;
  const mine = {
    ...plan,
    rows: plan.rows.subarray(part.start, part.end),
    present: plan.present.subarray(part.start * 3, part.end * 3),
  };
  const { sums, terms } = clippedSum(context, mine, { clip: dp.clip, first: part.start });
  const shared = exchange.index === 0 ? withNoise(sums, dp) : sums;
  let offset = 0;
  for (const sum of shared) {
    flat.set(sum.dataSync() as Float32Array, offset);
    offset += sum.size;
  }
  flat.set(terms, size);
  new Set([...sums, ...shared]).forEach((t) => t.dispose());
  return flat;
}

/** The all-reduced sum of a step's replicas as per-variable tensors, finished as privateGradients does. */
export function finishReplicaSum(
  context: StepContext,
  summed: Float32Array,
  batchSize: number,
): { grads: tf.Tensor[]; terms: Float32Array } {
  let offset = 0;
  const sums = context.model.variables.map((v) => {
    const tensor = tf.tensor(summed.subarray(offset, offset + v.size), v.shape, 'float32');
    offset += v.size;
    return tensor;
  });
  return finishPrivate({ sums, terms: summed.slice(offset), batchSize });
}

/** Σ + N(0, (z·C)²) per coordinate, as new tensors (the inputs stay the caller's). */
function withNoise(sums: tf.Tensor[], dp: DpSgdOptions): tf.Tensor[] {
  const sigma = dp.noiseMultiplier * dp.clip;
  return sums.map((sum) =>
    sigma > 0
      ? tf.tidy(() => tf.add(sum, tf.tensor(Float32Array.from(gaussianNoise(sum.size, sigma)), sum.shape)))
      : tf.clone(sum),
  );
}

/** Divides the noised sum by the batch size; disposes `sums`. */
function finishPrivate(step: { sums: tf.Tensor[]; terms: Float32Array; batchSize: number }): {
  grads: tf.Tensor[];
  terms: Float32Array;
} {
  const { sums, batchSize } = step;
  const terms = step.terms.map((term) => term / batchSize);
  const grads = sums.map((sum) => tf.div(sum, batchSize));
  sums.forEach((t) => t.dispose());
  return { grads, terms };
}

/**
 * Σ_i clip(∇ℓ_i, C) per variable over the plan's rows, each example's loss its own (no other row in
 * its means); `first` is the first row's index in the whole step, which keeps its noise seeds.
 */
function clippedSum(context: StepContext, plan: StepPlan, args: { clip: number; first: number }) {
  const { model } = context;
  const everyVariable = { ...plan, trainable: new Uint8Array(model.variables.length).fill(1) };
  let sums = model.variables.map((v) => tf.zerosLike(v) as tf.Tensor);
  const terms = new Float32Array(LOSS_TERMS.length);
  for (let i = 0; i < plan.rows.length; i++) {
    const next = tf.tidy(() => {
      const example = partGradients(context, {
        plan: everyVariable,
        rows: plan.rows.subarray(i, i + 1),
        present: plan.present.subarray(i * 3, i * 3 + 3),
        // Two seeds apart: each example's genomics noise and imaging dropout seeds stay distinct.
        noiseOffset: 2 * (args.first + i),
      });
      example.terms.forEach((term, k) => (terms[k] = (terms[k] ?? 0) + term));
      const grads = model.variables.map((v) => example.grads[v.name]);
      const squares = grads.flatMap((g) => (g ? [tf.sum(tf.square(g))] : []));
      const norm = tf.sqrt(squares.length > 0 ? tf.addN(squares) : tf.scalar(0));
      // min(1, C / ‖g‖): C = Infinity leaves the gradient whole, a zero gradient stays zero.
      const scale = tf.minimum(1, tf.div(args.clip, tf.maximum(norm, 1e-30)));
      return sums.map((sum, j) => {
        const grad = grads[j];
        return grad ? tf.add(sum, tf.mul(grad, scale)) : tf.clone(sum);
      });
    });
    sums.forEach((t) => t.dispose());
    sums = next;
  }
  return { sums, terms };
}

export interface DpSgdEpsilonArgs {
  batchSize: number;
  datasetSize: number;
  epochs: number;
  noiseMultiplier: number;
  delta: number;
}

/**
 * The accountant's steps of DP-SGD at a site: ⌈n / B⌉ steps per epoch, each treated as sampling records
 * with probability B / n. Steps of several rounds compose by passing them to `computeEpsilon` together.
 */
export function dpSgdSteps(args: Omit<DpSgdEpsilonArgs, 'delta'>): {
  sampleRate: number;
  noiseMultiplier: number;
  count: number;
} {
  const { batchSize, datasetSize, epochs } = args;
  for (const [field, value] of Object.entries({ batchSize, datasetSize, epochs })) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${field} must be an integer ≥ 1, got ${value}`);
    }
  }
  return {
    sampleRate: Math.min(1, batchSize / datasetSize),
    noiseMultiplier: args.noiseMultiplier,
    count: epochs * Math.ceil(datasetSize / batchSize),
  };
}

/**
 * ε spent by DP-SGD at a site (the steps of `dpSgdSteps`). The RDP analysis assumes Poisson sampling; the
 * trainer's shuffled fixed-size batches are the usual stand-in (TF-Privacy's MNIST tutorial accounts for
 * them the same way).
 * @example dpSgdEpsilon({ batchSize: 32, datasetSize: 2000, epochs: 5, noiseMultiplier: 1.1, delta: 1e-5 })
 */
export function dpSgdEpsilon(args: DpSgdEpsilonArgs): { epsilon: number; order: number } {
  return computeEpsilon({ steps: [dpSgdSteps(args)], delta: args.delta });
}
