import * as tf from '@tensorflow/tfjs-core';
import type { Modality, ModelBatch } from './batch.ts';
import { MODALITIES, validateBatch } from './batch.ts';
import { batchTensors, presentRows } from './batch-tensors.ts';
import { forwardSubsets } from './forward.ts';
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
export const MAX_RECALIBRATION_ROWS = 256;

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

/** A site's intercepts per task for each modality subset it scores the model with. */
export interface SiteIntercepts {
  /** The intercepts for the model scored with `hide` hidden; throws for a subset not fitted. */
  offsetsFor(hide: readonly Modality[]): Float32Array;
}

const subsetKey = (hide: readonly Modality[]): string => MODALITIES.filter((m) => hide.includes(m)).join('+');

/**
 * The site's intercepts for the model scored with each of `hides` hidden, fitted on (at most
 * MAX_RECALIBRATION_ROWS of) the labelled batch: with modalities hidden the logits differ, so each subset
 * gets its own. The encoders run once per row for all subsets (hiding only changes the fusion's input).
 */
export function siteIntercepts(
  model: TriModalModel,
  batch: ModelBatch,
  options: { hides: readonly (readonly Modality[])[]; batchSize?: number },
): SiteIntercepts {
  validateBatch(batch, model.config);
  const { modalities } = model.config;
  const tasks = model.config.tasks.length;
  const hides = options.hides.map((hide) => ({ key: subsetKey(hide), hide }));
  const chosen = recalibrationRows(batch.n);
  const size = options.batchSize ?? 256;
  const logits = hides.map(() => new Float32Array(chosen.length * tasks));
  const labels = new Float32Array(chosen.length * tasks);
  chosen.forEach((row, i) => {
    for (let t = 0; t < tasks; t++) labels[i * tasks + t] = batch.labels[row * tasks + t]!;
  });
  // Without a single label every intercept is the prior's 0: the model need not run.
  const labelled = labels.some((y) => !Number.isNaN(y));
  for (let start = 0; labelled && start < chosen.length; start += size) {
    const rows = chosen.subarray(start, start + size);
    const present = presentRows(batch, rows, modalities);
    tf.tidy(() => {
      const { inputs } = batchTensors(model.config, batch, { rows, present });
      forwardSubsets(model, inputs, {
        hides: hides.map(({ hide }) => hide),
        use: (out, h) => logits[h]!.set(out.logits.dataSync(), start * tasks),
      });
    });
  }
  const fitted = new Map(
    hides.map(({ key }, h) => [key, fitInterceptOffsets({ logits: logits[h]!, labels, tasks })]),
  );
  return {
    offsetsFor: (hide) => {
      const offsets = fitted.get(subsetKey(hide));
      if (!offsets)
        throw new Error(`site intercepts: none fitted with ${subsetKey(hide) || 'nothing'} hidden`);
      return offsets;
    },
  };
}
