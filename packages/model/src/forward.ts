import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs-core';
import { slicesAlongAxis1 } from './axis-slices.ts';
import { encodeImage } from './imaging-encoder.ts';
import { dense } from './layers.ts';
import type { TriModalModel } from './model.ts';

/** One batch as tensors: an input only for each of the model's modalities. */
export interface ForwardInputs {
  ehr?: Tensor2D;
  image?: Tensor4D;
  genomics?: Tensor2D;
  /** b×M float 0/1 flags of the model's modalities, in config.modalities order. */
  present: Tensor2D;
  /** Per model modality, present in at least one row: absent encoders are not run at all. */
  active: boolean[];
}

export interface ForwardOptions {
  training: boolean;
  /** Seed of the denoising noise for this step. */
  noiseSeed?: number;
  /**
   * The rows' embeddings from `encodeModalities` (inference only), so the encoders run once for several
   * modality subsets of the same rows.
   */
  encoded?: Tensor2D[];
}

export interface ForwardOutputs {
  /** b×T task logits (late fusion: logits of the averaged probabilities). */
  logits: Tensor2D;
  /** b×T×M attention weights over the model's modalities, for the attention fusions. */
  attention?: Tensor3D;
  /** b×M×d modality embeddings, absent ones zeroed. */
  embeddings?: Tensor3D;
  /** b×M×T logits of the per-modality auxiliary heads. */
  auxiliary?: Tensor3D;
  /** Reconstruction of the clean genomics input. */
  reconstruction?: Tensor2D;
  /** The image embedding decoded to the pooled image, and that pooled image (imageReconWeight > 0). */
  imageReconstruction?: { predicted: Tensor2D; target: Tensor2D };
  /** The b×F representation the heads read (for embedding plots). */
  fused: Tensor2D;
}

function p(model: TriModalModel, name: string) {
  return model.param(name);
}

function layer(model: TriModalModel, name: string) {
  return { kernel: p(model, `${name}.kernel`), bias: p(model, `${name}.bias`) };
}

function encodeEhr(model: TriModalModel, x: Tensor2D): Tensor2D {
  return dense(dense(x, layer(model, 'ehr.dense1'), true), layer(model, 'ehr.dense2'), true);
}

function encodeGenomics(model: TriModalModel, x: Tensor2D, options: ForwardOptions) {
  const noisy =
    options.training && model.config.genomicsNoise > 0
      ? tf.add(x, tf.randomNormal(x.shape, 0, model.config.genomicsNoise, 'float32', options.noiseSeed))
      : x;
  const hidden = dense(noisy as Tensor2D, layer(model, 'genomics.encode1'), true);
  const z = dense(hidden, layer(model, 'genomics.encode2'), true);
  const decoded = dense(z, layer(model, 'genomics.decode1'), true);
  return {
    z,
    reconstruction: options.training ? dense(decoded, layer(model, 'genomics.decode2'), false) : undefined,
  };
}

function taskHead(model: TriModalModel, task: string, x: Tensor2D): Tensor2D {
  return dense(
    dense(x, layer(model, `head.${task}.dense1`), true),
    layer(model, `head.${task}.dense2`),
    false,
  );
}

function heads(model: TriModalModel, perTask: Tensor2D[]): Tensor2D {
  return tf.concat(
    model.config.tasks.map((task, t) => taskHead(model, task, perTask[t]!)),
    1,
  );
}

/** Softmax over the last axis counting only entries whose mask is 1; all-masked rows give zeros. */
function maskedSoftmax(scores: Tensor3D, mask: Tensor3D): Tensor3D {
  const shifted = tf.sub(scores, tf.max(tf.add(scores, tf.mul(tf.sub(1, mask), -1e9)), -1, true));
  const exps = tf.mul(tf.exp(tf.minimum(shifted, 0)), mask);
  // A row with any entry sums to ≥ 1 (its maximum gives exp(0)); a floor of 1 leaves it exact and keeps
  // the gradient of an all-masked row finite (a tiny floor squares to 0 in float32: 0/0).
  return tf.div(exps, tf.maximum(tf.sum(exps, -1, true), 1)) as Tensor3D;
}

function input<T>(tensor: T | undefined, modality: string): T {
  if (!tensor) throw new Error(`Forward: the model has ${modality} but the batch gave no ${modality} input`);
  return tensor;
}

/**
 * Each active modality's embedding of every row, before the presence mask: what scoring the same rows
 * with several modality subsets can share (`forward`'s `encoded`).
 */
function encodeModalities(model: TriModalModel, inputs: ForwardInputs): Tensor2D[] {
  const { modalities, d } = model.config;
  const [b] = inputs.present.shape;
  return modalities.map((modality, i): Tensor2D => {
    if (!inputs.active[i]) return tf.zeros([b, d]);
    if (modality === 'ehr') return encodeEhr(model, input(inputs.ehr, modality));
    if (modality === 'imaging') return encodeImage(model, input(inputs.image, modality)).z;
    return encodeGenomics(model, input(inputs.genomics, modality), { training: false }).z;
  });
}

/**
 * The same rows scored with each of `hides` hidden, for inference: the encoders run once for every subset
 * (early fusion has none: it reads the raw inputs per subset), since hiding a modality only changes what
 * the fusion reads. `use` gets each subset's outputs inside a tidy scope of its own.
 */
export function forwardSubsets(
  model: TriModalModel,
  inputs: ForwardInputs,
  o: { hides: readonly (readonly string[])[]; use: (out: ForwardOutputs, index: number) => void },
): void {
  const { modalities } = model.config;
  const encoded = model.config.fusion === 'early' ? undefined : encodeModalities(model, inputs);
  o.hides.forEach((hide, index) => {
    tf.tidy(() => {
      const shown = modalities.map((m) => (hide.includes(m) ? 0 : 1));
      const subset = {
        ...inputs,
        present: tf.mul(inputs.present, tf.tensor2d(shown, [1, shown.length])) as Tensor2D,
        active: inputs.active.map((on, i) => on && shown[i] === 1),
      };
      o.use(forward(model, subset, { training: false, ...(encoded ? { encoded } : {}) }), index);
    });
  });
}

function embed(model: TriModalModel, inputs: ForwardInputs, options: ForwardOptions) {
  const { encoded } = options;
  const { modalities, d } = model.config;
  const [b] = inputs.present.shape;
  let genomics: ReturnType<typeof encodeGenomics> | undefined;
  let imaging: ReturnType<typeof encodeImage> | undefined;
  const parts = modalities.map((modality, i): Tensor2D => {
    if (!inputs.active[i]) return tf.zeros([b, d]);
    if (encoded) return encoded[i]!;
    if (modality === 'ehr') return encodeEhr(model, input(inputs.ehr, modality));
    if (modality === 'imaging') {
      imaging = encodeImage(model, input(inputs.image, modality), options);
      return imaging.z;
    }
    genomics = encodeGenomics(model, input(inputs.genomics, modality), options);
    return genomics.z;
  });
  const embeddings = tf.mul(tf.stack(parts, 1), tf.expandDims(inputs.present, 2)) as Tensor3D;
  const auxiliary = tf.stack(
    modalities.map((m, i) => dense(parts[i]!, layer(model, `${m}.aux`), false)),
    1,
  ) as Tensor3D;
  return {
    embeddings,
    auxiliary,
    reconstruction: genomics?.reconstruction,
    imageReconstruction: imaging?.reconstruction,
  };
}

function attentionWeights(model: TriModalModel, embeddings: Tensor3D, present: Tensor2D): Tensor3D {
  const [b, m, d] = embeddings.shape;
  const flat = tf.reshape(tf.tanh(embeddings), [b * m, d]) as Tensor2D;
  const scores = tf.matMul(flat, p(model, 'fusion.attention') as Tensor2D, false, true);
  const byTask = tf.transpose(tf.reshape(scores, [b, m, -1]), [0, 2, 1]) as Tensor3D;
  return maskedSoftmax(byTask, tf.expandDims(present, 1) as Tensor3D);
}

/** The raw input early fusion reads for a modality: 8×8-pooled pixels for images. */
function earlyInput(inputs: ForwardInputs, modality: string, b: number): Tensor2D {
  if (modality === 'ehr') return input(inputs.ehr, modality);
  if (modality === 'genomics') return input(inputs.genomics, modality);
  return tf.reshape(tf.avgPool(input(inputs.image, modality), 8, 8, 'same'), [b, -1]);
}

function earlyFusion(model: TriModalModel, inputs: ForwardInputs): ForwardOutputs {
  const [b] = inputs.present.shape;
  const joined = tf.concat(
    model.config.modalities.map((modality, i) =>
      tf.mul(earlyInput(inputs, modality, b), tf.slice(inputs.present, [0, i], [b, 1])),
    ),
    1,
  ) as Tensor2D;
  const fused = dense(
    dense(joined, layer(model, 'fusion.early1'), true),
    layer(model, 'fusion.early2'),
    true,
  );
  return {
    logits: heads(
      model,
      model.config.tasks.map(() => fused),
    ),
    fused,
  };
}

/** The model's forward pass for every fusion. */
export function forward(
  model: TriModalModel,
  inputs: ForwardInputs,
  options: ForwardOptions,
): ForwardOutputs {
  const { fusion, tasks } = model.config;
  if (fusion === 'early') return earlyFusion(model, inputs);
  if (options.encoded && options.training)
    throw new Error('Forward: shared embeddings are for inference only');
  const { embeddings, auxiliary, reconstruction, imageReconstruction } = embed(model, inputs, options);
  const [b, m, d] = embeddings.shape;
  const base = { embeddings, auxiliary, reconstruction, imageReconstruction };
  if (fusion === 'concat') {
    const fused = tf.reshape(embeddings, [b, m * d]) as Tensor2D;
    return {
      ...base,
      logits: heads(
        model,
        tasks.map(() => fused),
      ),
      fused,
    };
  }
  if (fusion === 'late') {
    const probs = tf.sum(tf.mul(tf.sigmoid(auxiliary), tf.expandDims(inputs.present, 2)), 1);
    const averaged = tf.div(probs, tf.maximum(tf.sum(inputs.present, 1, true), 1));
    const clipped = tf.clipByValue(averaged, 1e-6, 1 - 1e-6);
    const logits = tf.sub(tf.log(clipped), tf.log1p(tf.neg(clipped))) as Tensor2D;
    return { ...base, logits, fused: tf.reshape(embeddings, [b, m * d]) as Tensor2D };
  }
  const attention = attentionWeights(model, embeddings, inputs.present);
  if (fusion === 'attention') {
    const mixed = tf.matMul(attention, embeddings) as Tensor3D;
    const perTask = slicesAlongAxis1<Tensor2D>(mixed);
    return { ...base, attention, logits: heads(model, perTask), fused: tf.mean(mixed, 1) as Tensor2D };
  }
  // hybrid: Z_t = Concat(Z_1..Z_M, Σ_i α_t,i·Z_i): every modality's evidence adds up through the
  // concatenation, and each task's attention adds the summary it weights (docs/architecture.md).
  const summaries = slicesAlongAxis1<Tensor2D>(tf.matMul(attention, embeddings));
  const joined = tf.reshape(embeddings, [b, m * d]) as Tensor2D;
  const perTask = summaries.map((summary) => tf.concat([joined, summary], 1) as Tensor2D);
  return {
    ...base,
    attention,
    logits: heads(model, perTask),
    fused: tf.reshape(embeddings, [b, m * d]) as Tensor2D,
  };
}
