import * as tf from '@tensorflow/tfjs-core';
import type { Modality, ModelBatch } from './batch.ts';
import { MODALITIES, validateBatch } from './batch.ts';
import { batchTensors, presentRows } from './batch-tensors.ts';
import { forward } from './forward.ts';
import type { TriModalModel } from './model.ts';

/**
 * Recalibration-in-the-large at a site (Steyerberg, Clinical Prediction Models, ch. 20): the shared
 * model keeps its weights, and each site adds one intercept per task to its logits, fitted to its own
 * labelled patients. Hospitals differ in case mix (label shift); a shared model can only learn the
 * federation's average base rate, and the intercept restores the site's own. It changes no ranking
 * within a site, only the calibration and the ranking across sites (pooled AUC).
 */

/** Standard deviation of the Gaussian prior on an intercept (logit units): a site with few labels stays near 0. */
export const INTERCEPT_PRIOR_SD = 1;

/** Rows an intercept is fitted on at most; larger splits are subsampled with an even stride. */
export const MAX_RECALIBRATION_ROWS = 512;

const NEWTON_STEPS = 25;

/**
 * Per task, the MAP intercept b maximising Σ log p(yᵢ | logitᵢ + b) − b²/(2·priorSd²) over the rows whose
 * label is 0 or 1 (unlabelled rows, NaN, are skipped; a task nobody labels gets 0). Throws, naming the
 * row, on a non-finite logit or a label other than 0, 1 or NaN.
 */
export function fitInterceptOffsets(o: {
  logits: ArrayLike<number>;
  labels: ArrayLike<number>;
  tasks: number;
  priorSd?: number;
}): Float32Array {
  const { logits, labels, tasks } = o;
  const priorSd = o.priorSd ?? INTERCEPT_PRIOR_SD;
  if (!(priorSd > 0)) throw new Error(`intercept prior SD must be positive, got ${priorSd}`);
  if (logits.length !== labels.length || logits.length % tasks !== 0)
    throw new Error(
      `intercept fit: ${logits.length} logits and ${labels.length} labels do not form rows of ${tasks} tasks`,
    );
  const rows = logits.length / tasks;
  for (let i = 0; i < logits.length; i++) {
    const y = labels[i]!;
    if (!Number.isFinite(logits[i]!))
      throw new Error(`intercept fit: row ${Math.floor(i / tasks)} has a non-finite logit (${logits[i]})`);
    if (!Number.isNaN(y) && y !== 0 && y !== 1)
      throw new Error(`intercept fit: row ${Math.floor(i / tasks)} has label ${y}, not 0, 1 or missing`);
  }
  const precision = 1 / (priorSd * priorSd);
  const offsets = new Float32Array(tasks);
  for (let t = 0; t < tasks; t++) {
    // Newton on a strictly concave objective (the prior's curvature keeps the Hessian ≥ precision).
    let b = 0;
    for (let step = 0; step < NEWTON_STEPS; step++) {
      let gradient = -b * precision;
      let curvature = precision;
      for (let r = 0; r < rows; r++) {
        const y = labels[r * tasks + t]!;
        if (Number.isNaN(y)) continue;
        const p = 1 / (1 + Math.exp(-(logits[r * tasks + t]! + b)));
        gradient += y - p;
        curvature += p * (1 - p);
      }
      const move = gradient / curvature;
      b += move;
      if (Math.abs(move) < 1e-9) break;
    }
    offsets[t] = b;
  }
  return offsets;
}

/** At most `max` row indices of n, evenly strided (all of them when n ≤ max). */
export function recalibrationRows(n: number, max = MAX_RECALIBRATION_ROWS): Int32Array {
  const count = Math.min(n, max);
  return Int32Array.from({ length: count }, (_, i) => Math.floor((i * n) / count));
}

/**
 * The site's intercept per task for the model as it is scored with `hide` hidden, fitted on (at most
 * MAX_RECALIBRATION_ROWS of) the labelled batch: with other modalities hidden the model's logits
 * differ, so each modality subset gets its own.
 */
export function siteInterceptOffsets(
  model: TriModalModel,
  batch: ModelBatch,
  options: { hide?: Modality | Modality[]; batchSize?: number } = {},
): Float32Array {
  validateBatch(batch, model.config);
  const tasks = model.config.tasks.length;
  const hidden = options.hide === undefined ? [] : [options.hide].flat();
  const chosen = recalibrationRows(batch.n);
  const size = options.batchSize ?? 256;
  const logits = new Float32Array(chosen.length * tasks);
  const labels = new Float32Array(chosen.length * tasks);
  chosen.forEach((row, i) => {
    for (let t = 0; t < tasks; t++) labels[i * tasks + t] = batch.labels[row * tasks + t]!;
  });
  for (let start = 0; start < chosen.length; start += size) {
    const rows = chosen.subarray(start, start + size);
    const present = presentRows(batch, rows, model.config.modalities).map((v, i) =>
      hidden.includes(MODALITIES[i % 3]!) ? 0 : v,
    );
    tf.tidy(() => {
      const { inputs } = batchTensors(model.config, batch, { rows, present });
      logits.set(forward(model, inputs, { training: false }).logits.dataSync(), start * tasks);
    });
  }
  return fitInterceptOffsets({ logits, labels, tasks });
}
