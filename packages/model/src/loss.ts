import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { slicesAlongAxis1 } from './axis-slices.ts';
import type { ForwardOutputs } from './forward.ts';
import type { TriModalModel } from './model.ts';

/** Targets of one batch: labels with NaN replaced by 0, and 1 where a label exists. */
export interface LossTargets {
  labels: Tensor2D;
  labelMask: Tensor2D;
  /** The clean genomics input, when the model has genomics. */
  genomics?: Tensor2D;
  /** b×M flags of the model's modalities. */
  present: Tensor2D;
}

/** The terms of the objective that read the data, each as it enters the sum (already times its weight). */
export const DATA_TERMS = ['task', 'auxiliary', 'alignment', 'reconstruction'] as const;
export type DataTerm = (typeof DATA_TERMS)[number];
/** Every term of the training objective: the data's, then the penalties (flat-penalties.ts). */
export const LOSS_TERMS = [...DATA_TERMS, 'l2', 'proximal'] as const;
export type LossTerm = (typeof LOSS_TERMS)[number];

export interface LossOptions {
  /**
   * The counts each mean divides by, when they are the whole batch's and this is one part of it
   * (data-parallel training: the parts' gradients then add up to the whole batch's).
   */
  denominators?: LossDenominators;
}

/** The counts the loss averages over: labelled entries, those times present modalities, rows, rows per input. */
export interface LossDenominators {
  labels: number;
  auxiliary: number;
  rows: number;
  genomics: number;
  imaging: number;
}

/** Σ mask·BCE(logits, y) / Σ mask, written the numerically stable way. */
function maskedBce(logits: Tensor, target: { labels: Tensor; mask: Tensor; denominator?: number }): Scalar {
  const { labels, mask, denominator } = target;
  const perEntry = tf.add(
    tf.sub(tf.relu(logits), tf.mul(logits, labels)),
    tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
  );
  return tf.div(tf.sum(tf.mul(perEntry, mask)), denominator ?? tf.maximum(tf.sum(mask), 1)) as Scalar;
}

/** Σ_{i<j} p_i p_j ‖Z_i − Z_j‖², averaged over the batch. */
function alignment(embeddings: tf.Tensor3D, present: Tensor2D, rows?: number): Scalar {
  const [b, m] = embeddings.shape;
  const z = slicesAlongAxis1<Tensor2D>(embeddings);
  const p = slicesAlongAxis1<tf.Tensor1D>(present);
  let total: Scalar = tf.scalar(0);
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const distance = tf.sum(tf.square(tf.sub(z[i]!, z[j]!)), 1);
      total = tf.add(total, tf.sum(tf.mul(distance, tf.mul(p[i]!, p[j]!))));
    }
  }
  return tf.div(total, rows ?? b);
}

/** The mean over rows whose flag in `column` of `present` is 1 of each row's mean squared error. */
function presentMse(
  pair: { predicted: Tensor2D; target: Tensor2D },
  present: { flags: Tensor2D; column: number; denominator?: number },
): Scalar {
  const [b] = pair.target.shape;
  const has = tf.slice(present.flags, [0, present.column], [b, 1]);
  const perRow = tf.mean(tf.square(tf.sub(pair.predicted, pair.target)), 1, true);
  return tf.div(tf.sum(tf.mul(perRow, has)), present.denominator ?? tf.maximum(tf.sum(has), 1)) as Scalar;
}

/** The imaging encoder's reconstruction of its pooled input, over rows with an image. */
function imageReconstruction(
  model: TriModalModel,
  outputs: ForwardOutputs,
  context: { targets: LossTargets; denominator?: number },
): Scalar {
  const column = model.config.modalities.indexOf('imaging');
  const recon = outputs.imageReconstruction;
  if (!recon || column < 0) return tf.scalar(0);
  return presentMse(recon, { flags: context.targets.present, column, denominator: context.denominator });
}

function reconstruction(
  model: TriModalModel,
  outputs: ForwardOutputs,
  context: { targets: LossTargets; denominator?: number },
): Scalar {
  const { targets, denominator } = context;
  const column = model.config.modalities.indexOf('genomics');
  if (!outputs.reconstruction || !targets.genomics || column < 0) return tf.scalar(0);
  const [b] = targets.genomics.shape;
  const hasGenomics = tf.slice(targets.present, [0, column], [b, 1]);
  const perRow = tf.mean(tf.square(tf.sub(outputs.reconstruction, targets.genomics)), 1, true);
  return tf.div(
    tf.sum(tf.mul(perRow, hasGenomics)),
    denominator ?? tf.maximum(tf.sum(hasGenomics), 1),
  ) as Scalar;
}

/**
 * The data's terms of the objective apart: masked BCE mean over labelled entries, auxiliary
 * per-modality BCE, μ·alignment and β·reconstruction.
 */
export function lossTerms(
  model: TriModalModel,
  outputs: ForwardOutputs,
  context: { targets: LossTargets; options: LossOptions },
): Record<DataTerm, Scalar> {
  const { targets, options } = context;
  const counts = options.denominators;
  const c = model.config;
  const zero = () => tf.scalar(0);
  let auxiliary = zero();
  if (outputs.auxiliary && c.auxWeight > 0) {
    const mask = tf.mul(tf.expandDims(targets.labelMask, 1), tf.expandDims(targets.present, 2));
    const bce = maskedBce(outputs.auxiliary, {
      labels: tf.expandDims(targets.labels, 1),
      mask,
      denominator: counts?.auxiliary,
    });
    auxiliary = tf.mul(bce, c.auxWeight);
  }
  return {
    task: maskedBce(outputs.logits, {
      labels: targets.labels,
      mask: targets.labelMask,
      denominator: counts?.labels,
    }),
    auxiliary,
    alignment:
      outputs.embeddings && c.alignWeight > 0
        ? tf.mul(alignment(outputs.embeddings, targets.present, counts?.rows), c.alignWeight)
        : zero(),
    // Both encoders' reconstructions, each times its weight: one term, as the reports show it.
    reconstruction: tf.add(
      c.reconWeight > 0
        ? tf.mul(reconstruction(model, outputs, { targets, denominator: counts?.genomics }), c.reconWeight)
        : zero(),
      c.imageReconWeight > 0
        ? tf.mul(
            imageReconstruction(model, outputs, { targets, denominator: counts?.imaging }),
            c.imageReconWeight,
          )
        : zero(),
    ),
  };
}
