import * as tf from '@tensorflow/tfjs-core';
import type { Tensor4D } from '@tensorflow/tfjs-core';

/** At strength 1: the largest blur mix, noise (in the image's SDs) and bias-field slope drawn. */
const MAX_BLUR = 1;
const MAX_NOISE = 0.1;
const MAX_SLOPE = 0.2;

/**
 * Training-time scanner augmentation: each image gets its own random point-spread (a mix of the image
 * and its 3×3 mean, from sharp to blurred), acquisition noise and a linear bias field across the image,
 * the effects that differ between sites' scanners and that per-image standardisation does not cancel
 * (gain and offset it does). `strength` scales every range; the draws come from `seed`.
 */
export function scannerJitter(image: Tensor4D, options: { strength: number; seed: number }): Tensor4D {
  const { strength, seed } = options;
  const [b, h, w] = image.shape;
  return tf.tidy(() => {
    const perImage = (max: number, offset: number) =>
      tf.randomUniform([b, 1, 1, 1], -max * strength, max * strength, 'float32', seed + offset);
    // Blur mix in [0, MAX_BLUR·s]: 0 keeps the image's own sharpness.
    const blurMix = tf.abs(perImage(MAX_BLUR, 0));
    const blurred = tf.avgPool(image, 3, 1, 'same');
    let x = tf.add(image, tf.mul(blurMix, tf.sub(blurred, image)));
    const { variance } = tf.moments(x, [1, 2, 3], true);
    const sd = tf.sqrt(tf.add(variance, 1e-10));
    const noiseLevel = tf.abs(perImage(MAX_NOISE, 1));
    const noise = tf.randomNormal(x.shape, 0, 1, 'float32', seed + 2);
    x = tf.add(x, tf.mul(tf.mul(noiseLevel, sd), noise));
    // A field 1 + gy·v + gx·u with u, v in [−1, 1] across the image: coil or beam inhomogeneity.
    const rows = tf.reshape(tf.linspace(-1, 1, h), [1, h, 1, 1]);
    const cols = tf.reshape(tf.linspace(-1, 1, w), [1, 1, w, 1]);
    const field = tf.add(
      1,
      tf.add(tf.mul(perImage(MAX_SLOPE, 3), rows), tf.mul(perImage(MAX_SLOPE, 4), cols)),
    );
    return tf.mul(x, field) as Tensor4D;
  });
}
