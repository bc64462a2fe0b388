import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { ForwardOutputs } from './forward.ts';
import type { TriModalModel } from './model.ts';

/** Targets of one batch: labels with NaN replaced by 0, and 1 where a label exists. */
export interface LossTargets {
  labels: Tensor2D;
  labelMask: Tensor2D;
  genomics: Tensor2D;
  present: Tensor2D;
}

export interface LossOptions {
  /** Indices into model.variables that this batch trains: L2 and FedProx apply to them only. */
  trainable: number[];
  /** FedProx: ρ and the global weights per variable (same order as model.variables). */
  proximal?: { mu: number; reference: Tensor[] };
}

/** Σ mask·BCE(logits, y) / Σ mask, written the numerically stable way. */
function maskedBce(logits: Tensor, labels: Tensor, mask: Tensor): Scalar {
  const perEntry = tf.add(
    tf.sub(tf.relu(logits), tf.mul(logits, labels)),
    tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
  );
  return tf.div(tf.sum(tf.mul(perEntry, mask)), tf.maximum(tf.sum(mask), 1)) as Scalar;
}

/** Σ_{i<j} p_i p_j ‖Z_i − Z_j‖², averaged over the batch. */
function alignment(embeddings: tf.Tensor3D, present: Tensor2D): Scalar {
  const [b, m] = embeddings.shape;
  const z = tf.unstack(embeddings, 1);
  const p = tf.unstack(present, 1);
  let total: Scalar = tf.scalar(0);
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const distance = tf.sum(tf.square(tf.sub(z[i]!, z[j]!)), 1);
      total = tf.add(total, tf.sum(tf.mul(distance, tf.mul(p[i]!, p[j]!))));
    }
  }
  return tf.div(total, b);
}

function reconstruction(outputs: ForwardOutputs, targets: LossTargets): Scalar {
  if (!outputs.reconstruction) return tf.scalar(0);
  const [b] = targets.genomics.shape;
  const hasGenomics = tf.slice(targets.present, [0, 2], [b, 1]);
  const perRow = tf.mean(tf.square(tf.sub(outputs.reconstruction, targets.genomics)), 1, true);
  return tf.div(tf.sum(tf.mul(perRow, hasGenomics)), tf.maximum(tf.sum(hasGenomics), 1)) as Scalar;
}

function penalties(model: TriModalModel, options: LossOptions): Scalar {
  let total: Scalar = tf.scalar(0);
  for (const index of options.trainable) {
    const spec = model.specs[index]!;
    const variable = model.variables[index]!;
    if (spec.decay > 0 && model.config.l2 > 0) {
      total = tf.add(total, tf.mul(tf.sum(tf.square(variable)), model.config.l2 * spec.decay));
    }
    const prox = options.proximal;
    if (prox && prox.mu > 0) {
      total = tf.add(total, tf.mul(tf.sum(tf.square(tf.sub(variable, prox.reference[index]!))), prox.mu / 2));
    }
  }
  return total;
}

/**
 * Σ_t masked BCE + auxiliary per-modality BCE + λ‖W‖² + μ·alignment + β·reconstruction
 * (+ ρ/2‖w − w_global‖² with FedProx).
 */
export function totalLoss(
  model: TriModalModel,
  outputs: ForwardOutputs,
  context: { targets: LossTargets; options: LossOptions },
): Scalar {
  const { targets, options } = context;
  const c = model.config;
  let loss = maskedBce(outputs.logits, targets.labels, targets.labelMask);
  if (outputs.auxiliary && c.auxWeight > 0) {
    const mask = tf.mul(tf.expandDims(targets.labelMask, 1), tf.expandDims(targets.present, 2));
    const aux = maskedBce(outputs.auxiliary, tf.expandDims(targets.labels, 1), mask);
    loss = tf.add(loss, tf.mul(aux, c.auxWeight));
  }
  if (outputs.embeddings && c.alignWeight > 0) {
    loss = tf.add(loss, tf.mul(alignment(outputs.embeddings, targets.present), c.alignWeight));
  }
  if (c.reconWeight > 0) loss = tf.add(loss, tf.mul(reconstruction(outputs, targets), c.reconWeight));
  return tf.add(loss, penalties(model, options));
}
