// The gradient of one part of a training step: some of its rows, or (DP-SGD) a single example.
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ModelBatch } from './batch.ts';
import { batchTensors } from './batch-tensors.ts';
import { forward } from './forward.ts';
import type { FlatAdam } from './flat-adam.ts';
import type { GradientExchange } from './gradient-exchange.ts';
import type { LossDenominators } from './loss.ts';
import { DATA_TERMS, LOSS_TERMS, lossTerms } from './loss.ts';
import type { TriModalModel } from './model.ts';

/** What every step needs: the model, its optimizer, and where the gradient comes from. */
export interface StepContext {
  model: TriModalModel;
  batch: ModelBatch;
  /** Adam with the penalties (L2, FedProx), which it adds to the data's gradient itself. */
  optimizer: FlatAdam;
  /** Data-parallel: this replica's part of each step, its gradient summed with the others'. */
  exchange?: GradientExchange;
}

/** One step's rows and the random choices drawn for it, the same in every replica. */
export interface StepPlan {
  rows: Int32Array;
  present: Uint8Array;
  labels: Float32Array;
  /** Per variable in model order, 1 if this step trains it (its gradient, its penalties). */
  trainable: Uint8Array;
  noiseSeed: number;
}

/** Gradients of the trainable variables over some rows of a step, and the loss terms read once. */
export function partGradients(
  context: StepContext,
  part: {
    plan: StepPlan;
    rows: Int32Array;
    present: Uint8Array;
    denominators?: LossDenominators;
    noiseOffset?: number;
  },
): { grads: tf.NamedTensorMap; terms: Float32Array } {
  const { model, batch } = context;
  const { plan } = part;
  const { inputs, targets } = batchTensors(model.config, batch, { rows: part.rows, present: part.present });
  const varList = model.variables.filter((_, i) => plan.trainable[i] === 1);
  const options = { denominators: part.denominators };
  const kept: { terms?: Tensor } = {};
  const { grads } = tf.variableGrads(() => {
    const noiseSeed = plan.noiseSeed + (part.noiseOffset ?? 0);
    const outputs = forward(model, inputs, { training: true, noiseSeed });
    const parts = lossTerms(model, outputs, { targets, options });
    // The terms apart leave the gradient's scope as one kept vector, read once below.
    kept.terms = tf.keep(tf.stack(DATA_TERMS.map((term) => parts[term])));
    return tf.addN(Object.values(parts));
  }, varList);
  // The penalties' places stay zero: the optimizer adds them (flat-penalties.ts).
  const terms = new Float32Array(LOSS_TERMS.length);
  terms.set(kept.terms!.dataSync() as Float32Array);
  kept.terms!.dispose();
  return { grads, terms };
}
