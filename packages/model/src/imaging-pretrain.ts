import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import type { ModelBatch } from './batch.ts';
import { encodeImage } from './imaging-encoder.ts';
import type { TriModalModel } from './model.ts';
import { createRng, shuffledIndices } from './rng.ts';

export interface ImagingPretrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Softmax temperature of the contrastive loss. */
  temperature?: number;
  /** Std of the added pixel noise, in units of each image's own std (a scanner's noise). */
  noise?: number;
}

/** A random view of each image: flipped left-right and/or up-down, circularly shifted, with noise. */
function augmented(
  images: Tensor4D,
  random: () => number,
  jitter: { noise: number; seed: number },
): Tensor4D {
  return tf.tidy(() => {
    const [b, h, w] = images.shape;
    const views = tf.unstack(images).map((image) => {
      let x = image as tf.Tensor3D;
      if (random() < 0.5) x = tf.reverse(x, 1);
      if (random() < 0.5) x = tf.reverse(x, 0);
      const dy = Math.floor(random() * (h / 4)) - Math.floor(h / 8);
      const dx = Math.floor(random() * (w / 4)) - Math.floor(w / 8);
      return roll(roll(x, dy, 0), dx, 1);
    });
    const stacked = tf.stack(views) as Tensor4D;
    const { variance } = tf.moments(stacked, [1, 2, 3], true);
    const noise = tf.randomNormal([b, h, w, 1], 0, jitter.noise, 'float32', jitter.seed);
    return tf.add(stacked, tf.mul(noise, tf.sqrt(variance))) as Tensor4D;
  });
}

/** Circular shift of a HWC image by `shift` along `axis` (0 rows, 1 columns). */
function roll(x: tf.Tensor3D, shift: number, axis: 0 | 1): tf.Tensor3D {
  const size = x.shape[axis];
  const s = ((shift % size) + size) % size;
  if (s === 0) return x;
  const head =
    axis === 0 ? tf.slice(x, [size - s, 0, 0], [s, -1, -1]) : tf.slice(x, [0, size - s, 0], [-1, s, -1]);
  const tail =
    axis === 0 ? tf.slice(x, [0, 0, 0], [size - s, -1, -1]) : tf.slice(x, [0, 0, 0], [-1, size - s, -1]);
  return tf.concat([head, tail], axis);
}

/**
 * Contrastive loss of two views (InfoNCE, both directions): each image's embedding must pick its
 * other view among the batch's.
 */
function contrastiveLoss(a: Tensor2D, b: Tensor2D, temperature: number): Scalar {
  const unit = (z: Tensor2D) => tf.div(z, tf.add(tf.norm(z, 2, 1, true), 1e-6)) as Tensor2D;
  const logits = tf.div(tf.matMul(unit(a), unit(b), false, true), temperature) as Tensor2D;
  const n = a.shape[0];
  const targets = tf.oneHot(tf.range(0, n, 1, 'int32'), n);
  const both = tf.add(
    tf.losses.softmaxCrossEntropy(targets, logits),
    tf.losses.softmaxCrossEntropy(targets, tf.transpose(logits)),
  );
  return tf.div(both, 2) as Scalar;
}

/**
 * Self-supervised local training of the imaging encoder alone, without labels: two random views of
 * each image (flips, shifts, noise) must map to nearby embeddings and away from the other images'.
 * Sites run this for the first rounds and the coordinator averages as usual. Returns the mean loss.
 */
export function pretrainImagingRound(
  model: TriModalModel,
  batch: ModelBatch,
  options: ImagingPretrainOptions,
): number {
  const [h, w, c] = model.config.imageShape;
  const size = h * w * c;
  const rows: number[] = [];
  const imaging = 1;
  for (let r = 0; r < batch.n; r++) if (batch.present[r * 3 + imaging] === 1) rows.push(r);
  if (rows.length < 2) throw new Error('Imaging pretraining: the site has fewer than 2 images');
  const random = createRng(options.seed);
  const optimizer = tf.train.adam(options.learningRate);
  const variables = model.variables.filter((_, i) => {
    const spec = model.specs[i]!;
    const unused = ['imaging.aux.', 'imaging.decode.'].some((prefix) => spec.name.startsWith(prefix));
    return spec.group === 'imaging' && !unused;
  });
  let total = 0;
  let steps = 0;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const order = shuffledIndices(rows.length, random);
      for (let start = 0; start + 1 < rows.length; start += options.batchSize) {
        const chunk = order.subarray(start, Math.min(start + options.batchSize, rows.length));
        if (chunk.length < 2) break;
        const pixels = new Float32Array(chunk.length * size);
        chunk.forEach((k, i) => {
          const row = rows[k]!;
          pixels.set(batch.image.subarray(row * size, (row + 1) * size), i * size);
        });
        const seedA = Math.floor(random() * 2 ** 31);
        const seedB = Math.floor(random() * 2 ** 31);
        const loss = tf.tidy(() => {
          const images = tf.tensor4d(pixels, [chunk.length, h, w, c]);
          const viewA = augmented(images, random, { noise: options.noise ?? 0.1, seed: seedA });
          const viewB = augmented(images, random, { noise: options.noise ?? 0.1, seed: seedB });
          const { value, grads } = tf.variableGrads(
            () =>
              contrastiveLoss(
                encodeImage(model, viewA, { training: false }).z,
                encodeImage(model, viewB, { training: false }).z,
                options.temperature ?? 0.2,
              ),
            variables,
          );
          optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
          return value.dataSync()[0] as number;
        });
        total += loss;
        steps++;
      }
    }
  } finally {
    optimizer.dispose();
  }
  return steps === 0 ? 0 : total / steps;
}
