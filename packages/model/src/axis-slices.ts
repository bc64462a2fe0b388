import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * The slices of x along axis 1, each without that axis: tf.unstack with a gradient that works for
 * any count. tfjs hands a lone output gradient to Unpack's gradient unwrapped, and that gradient
 * calls stack() on it, which throws for one slice (one task, one modality); slice + reshape does not.
 */
export function slicesAlongAxis1<T extends Tensor>(x: Tensor): T[] {
  const [b, count, ...rest] = x.shape;
  return Array.from({ length: count! }, (_, i) => {
    const begin = x.shape.map((_, axis) => (axis === 1 ? i : 0));
    const size = x.shape.map((extent, axis) => (axis === 1 ? 1 : extent));
    return tf.reshape(tf.slice(x, begin, size), [b!, ...rest]) as T;
  });
}
