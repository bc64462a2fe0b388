import * as tf from '@tensorflow/tfjs-core';
import type { ModelBatch } from './batch.ts';
import { validateBatch } from './batch.ts';
import { presentRows } from './batch-tensors.ts';
import type { DpSgdOptions } from './dp-sgd.ts';
import { checkDpSgd, finishReplicaSum, privateGradients, replicaPrivateSum } from './dp-sgd.ts';
import { dropModalities, soloModalities } from './dropout.ts';
import type { LossTerm } from './loss.ts';
import { LOSS_TERMS } from './loss.ts';
import type { TriModalModel } from './model.ts';
import type { StepContext, StepPlan } from './part-gradients.ts';
import { partGradients } from './part-gradients.ts';
import { createRng, shuffledIndices } from './rng.ts';
import type { GradientExchange } from './gradient-exchange.ts';
import { lossDenominators, shardRange } from './shard.ts';
import { copyValues } from './copy-values.ts';
import { FlatAdam } from './flat-adam.ts';
import { FlatPenalties } from './flat-penalties.ts';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Modality dropout: probability of keeping each present modality (1 = no dropout). */
  modalityKeepProb?: number;
  /** FedProx: ρ and the global weights of the round as one flat vector. */
  proximal?: { mu: number; reference: Float32Array };
  /** Record-level DP-SGD: per-example clipping to `clip`, Gaussian noise z·clip on the batch's sum. */
  dpSgd?: DpSgdOptions;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface TrainResult {
  /** The whole objective, mean per example, per epoch. */
  lossPerEpoch: number[];
  /** The last epoch's objective split into its terms (they add up to its lossPerEpoch). */
  lossTerms: Record<LossTerm, number>;
  numExamples: number;
  /** Per parameter group, how many of this site's examples exercised it. */
  groupExamples: Record<string, number>;
  steps: number;
  seconds: number;
}

/** Per parameter group, the examples that exercise it: modality present, label present, or all. */
export function countGroupExamples(model: TriModalModel, batch: ModelBatch): Record<string, number> {
  const counts: Record<string, number> = {};
  const tasks = model.config.tasks;
  for (const group of new Set(model.specs.map((s) => s.group))) {
    const modality = ['ehr', 'imaging', 'genomics'].indexOf(group);
    const task = group.startsWith('head.') ? tasks.indexOf(group.slice(5)) : -1;
    let count = 0;
    for (let r = 0; r < batch.n; r++) {
      if (modality >= 0) count += batch.present[r * 3 + modality] === 1 ? 1 : 0;
      else if (task >= 0) count += Number.isNaN(batch.labels[r * tasks.length + task]) ? 0 : 1;
      else count += 1;
    }
    counts[group] = count;
  }
  return counts;
}

/** Per variable, 1 if a batch trains it: encoders of modalities it has, heads of labels it has. */
function trainableFlags(model: TriModalModel, present: Uint8Array, labels: Float32Array): Uint8Array {
  const tasks = model.config.tasks;
  const hasModality = [0, 1, 2].map((m) => present.some((v, i) => i % 3 === m && v === 1));
  const hasLabel = tasks.map((_, t) => labels.some((y, i) => i % tasks.length === t && !Number.isNaN(y)));
  return Uint8Array.from(model.specs, (spec) => {
    const modality = ['ehr', 'imaging', 'genomics'].indexOf(spec.group);
    if (modality >= 0) return hasModality[modality] ? 1 : 0;
    if (spec.group.startsWith('head.')) return hasLabel[tasks.indexOf(spec.group.slice(5))] ? 1 : 0;
    return 1;
  });
}

function labelRows(batch: ModelBatch, rows: Int32Array, tasks: number): Float32Array {
  const out = new Float32Array(rows.length * tasks);
  rows.forEach((row, r) => out.set(batch.labels.subarray(row * tasks, row * tasks + tasks), r * tasks));
  return out;
}

function checkOptions(options: TrainOptions): void {
  const { epochs, batchSize, learningRate } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`Training: epochs must be ≥ 1, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`Training: batchSize must be ≥ 1, got ${batchSize}`);
  if (!(learningRate > 0)) throw new Error(`Training: learningRate must be > 0, got ${learningRate}`);
  if (options.dpSgd) checkDpSgd(options.dpSgd);
}

/**
 * One local round: Adam over shuffled mini-batches with modality dropout, reporting loss per
 * epoch and the examples behind each parameter group.
 */
export function trainLocalRound(model: TriModalModel, batch: ModelBatch, options: TrainOptions): TrainResult {
  return trainReplica(model, batch, { options });
}

/**
 * trainLocalRound as one replica of a data-parallel group when `exchange` is given: every replica draws
 * the same shuffles and dropout, computes the gradient of its part of each mini-batch (averaged over the
 * whole mini-batch), and applies the summed gradient, so each ends with the weights one thread would.
 */
export function trainReplica(
  model: TriModalModel,
  batch: ModelBatch,
  run: { options: TrainOptions; exchange?: GradientExchange },
): TrainResult {
  const { options } = run;
  checkOptions(options);
  validateBatch(batch, model.config);
  if (batch.n === 0) throw new Error('Training: the site has no examples');
  const started = performance.now();
  const random = createRng(options.seed);
  const context: StepContext = {
    model,
    batch,
    optimizer: new FlatAdam(model.variables, options.learningRate, penaltiesFor(model, options)),
    exchange: run.exchange,
  };
  const lossPerEpoch: number[] = [];
  let termSums = new Float64Array(LOSS_TERMS.length);
  let steps = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = shuffledIndices(batch.n, random);
    termSums = new Float64Array(LOSS_TERMS.length);
    for (let start = 0; start < batch.n; start += options.batchSize) {
      const rows = order.subarray(start, Math.min(start + options.batchSize, batch.n));
      const plan = planStep(model, batch, { rows, options, random });
      const terms = options.dpSgd ? privateStep(context, plan, options.dpSgd) : step(context, plan);
      const loss = terms.reduce((sum, term) => sum + term, 0);
      if (!Number.isFinite(loss)) throw new Error(`Training diverged: loss is ${loss} at epoch ${epoch + 1}`);
      terms.forEach((term, i) => (termSums[i] = termSums[i]! + term * rows.length));
      steps++;
    }
    const epochLoss = termSums.reduce((sum, term) => sum + term, 0) / batch.n;
    lossPerEpoch.push(epochLoss);
    options.onEpoch?.(epoch + 1, epochLoss);
  }
  return {
    lossPerEpoch,
    lossTerms: Object.fromEntries(LOSS_TERMS.map((term, i) => [term, termSums[i]! / batch.n])) as Record<
      LossTerm,
      number
    >,
    numExamples: batch.n,
    groupExamples: countGroupExamples(model, batch),
    steps,
    seconds: (performance.now() - started) / 1000,
  };
}

function planStep(
  model: TriModalModel,
  batch: ModelBatch,
  draw: { rows: Int32Array; options: TrainOptions; random: () => number },
): StepPlan {
  const { rows, options, random } = draw;
  const present = soloModalities(
    dropModalities(presentRows(batch, rows, model.config.modalities), options.modalityKeepProb ?? 1, random),
    model.config.modalitySoloProb,
    random,
  );
  const labels = labelRows(batch, rows, model.config.tasks.length);
  const trainable = trainableFlags(model, present, labels);
  return { rows, present, labels, trainable, noiseSeed: Math.floor(random() * 2 ** 31) };
}

/** L2 and FedProx for the optimizer's loop, or undefined when neither is on. */
function penaltiesFor(model: TriModalModel, options: TrainOptions): FlatPenalties | undefined {
  const decays = model.config.l2 > 0 && model.specs.some((spec) => spec.decay > 0);
  const proximal = options.proximal && options.proximal.mu > 0 ? options.proximal : undefined;
  return decays || proximal ? new FlatPenalties(model, proximal) : undefined;
}

const L2 = LOSS_TERMS.indexOf('l2');
const PROXIMAL = LOSS_TERMS.indexOf('proximal');

/** Writes the penalties' values (at the step's weights, before its update) into the step's terms. */
function withPenalties(terms: Float32Array, values: { l2: number; proximal: number }): Float32Array {
  terms[L2] = values.l2;
  terms[PROXIMAL] = values.proximal;
  return terms;
}

/** One optimizer step; returns the objective's terms over the whole mini-batch. */
function step(context: StepContext, plan: StepPlan): Float32Array {
  const { model, optimizer, exchange } = context;
  const flags = plan.trainable;
  if (!exchange) {
    return tf.tidy(() => {
      const { grads, terms } = partGradients(context, { plan, rows: plan.rows, present: plan.present });
      withPenalties(terms, optimizer.penaltyValues(flags));
      // Every step updates every variable: one this batch did not train gets a zero gradient (a variable
      // never trained keeps zero moments and so stays exactly as it was).
      optimizer.stepTensors(
        model.variables.map((v) => grads[v.name]),
        flags,
      );
      return terms;
    });
  }
  const penalty = optimizer.penaltyValues(flags);
  // Each replica applies Adam to its share of the positions and takes the others' weights from them.
  const { sum, weights } = exchange.reduceAndUpdate(
    replicaGradients(context, plan, exchange),
    (summed, share, out) =>
      optimizer.update(
        summed,
        { range: { from: share.from, to: Math.min(share.to, optimizer.size) }, trainable: flags },
        out,
      ),
  );
  optimizer.adopt(weights);
  return withPenalties(sum.slice(optimizer.size), penalty);
}

/** One DP-SGD step: the privatised gradient of every variable, applied by the same Adam. */
function privateStep(context: StepContext, plan: StepPlan, dp: DpSgdOptions): Float32Array {
  const { optimizer, exchange } = context;
  // L2 and FedProx apply to every variable here: which ones moved would tell what the batch held.
  const every = new Uint8Array(context.model.variables.length).fill(1);
  const summed = exchange
    ? exchange.allReduce(replicaPrivateSum(context, plan, { exchange, dp }))
    : undefined;
  return tf.tidy(() => {
    const { grads, terms } = summed
      ? finishReplicaSum(context, summed, plan.rows.length)
      : privateGradients(context, plan, dp);
    withPenalties(terms, optimizer.penaltyValues(every));
    optimizer.stepTensors(grads, every);
    return terms;
  });
}

/** This replica's gradient of its part of the step, flat in variable order, then its loss terms. */
function replicaGradients(context: StepContext, plan: StepPlan, exchange: GradientExchange): Float32Array {
  const { model } = context;
  const size = model.variables.reduce((sum, v) => sum + v.size, 0);
  // Written straight into this replica's slot of the exchange: no array of the model's size a step.
  const flat = exchange.ownSlot;
  const part = shardRange(plan.rows.length, { index: exchange.index, count: exchange.replicas });
  if (part.end === part.start) return flat.fill(0);
  tf.tidy(() => {
    const { grads, terms } = partGradients(context, {
      plan,
      rows: plan.rows.subarray(part.start, part.end),
      present: plan.present.subarray(part.start * 3, part.end * 3),
      denominators: lossDenominators(model.config, plan),
      // Far apart, so no part's noise seed is another's (the imaging dropout seeds from noiseSeed + 1).
      noiseOffset: exchange.index * 7_919,
    });
    let offset = 0;
    for (const variable of model.variables) {
      const grad = grads[variable.name];
      if (grad) copyValues(grad, flat, offset);
      else flat.fill(0, offset, offset + variable.size);
      offset += variable.size;
    }
    flat.set(terms, size);
  });
  return flat;
}
