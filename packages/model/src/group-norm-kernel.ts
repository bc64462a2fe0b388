import * as tf from '@tensorflow/tfjs-core';
import type { GradSaveFunc, Tensor, Tensor4D } from '@tensorflow/tfjs-core';

/**
 * GroupNorm of NHWC data and its gradient as plain loops over the values. As tfjs ops each block is a
 * dozen broadcasting kernels forward and twice that backward, which the wasm backend runs element by
 * element (≈ 40 ms a step of the default model); here each is a few passes over the block.
 */

interface Shape {
  images: number;
  pixels: number;
  channels: number;
  groups: number;
}

/** Each channel's group. */
function groupOfChannel(shape: Shape): Int32Array {
  const perGroup = shape.channels / shape.groups;
  return Int32Array.from({ length: shape.channels }, (_, k) => Math.floor(k / perGroup));
}

/**
 * Over one image's pixels, per channel: Σa into `sums` and Σa·b into `products` (reset first), in float64.
 */
function channelSums(
  values: { a: Float32Array; b: Float32Array },
  image: { base: number; stride: number; channels: number },
  out: { sums: Float64Array; products: Float64Array },
): void {
  const { a, b } = values;
  const { base, stride, channels } = image;
  const { sums, products } = out;
  sums.fill(0);
  products.fill(0);
  for (let i = base; i < base + stride; i += channels)
    for (let k = 0; k < channels; k++) {
      const v = a[i + k]!;
      sums[k]! += v;
      products[k]! += v * b[i + k]!;
    }
}

/** Per-channel totals added up per group (reset first), each channel's weighted by `weight` when given. */
function groupTotals(
  perChannel: { sums: Float64Array; products: Float64Array; weight?: Float64Array },
  groupOf: Int32Array,
  out: { sums: Float64Array; products: Float64Array },
): void {
  out.sums.fill(0);
  out.products.fill(0);
  for (let k = 0; k < groupOf.length; k++) {
    const w = perChannel.weight ? perChannel.weight[k]! : 1;
    out.sums[groupOf[k]!]! += perChannel.sums[k]! * w;
    out.products[groupOf[k]!]! += perChannel.products[k]! * w;
  }
}

/**
 * Per image and group: 1/√(variance + ε), and x̂ = (x − μ)·that. The sums are float64, so one pass of
 * Σx and Σx² loses nothing a float32 two-pass would keep.
 */
function normalize(x: Float32Array, shape: Shape, epsilon: number) {
  const { images, pixels, channels, groups } = shape;
  const groupOf = groupOfChannel(shape);
  const count = (pixels * channels) / groups;
  const normalized = new Float32Array(x.length);
  const inverseDeviation = new Float64Array(images * groups);
  const sums = new Float64Array(channels);
  const squares = new Float64Array(channels);
  const groupSums = new Float64Array(groups);
  const groupSquares = new Float64Array(groups);
  const mean = new Float64Array(channels);
  const factor = new Float64Array(channels);
  const stride = pixels * channels;
  for (let n = 0; n < images; n++) {
    const base = n * stride;
    channelSums({ a: x, b: x }, { base, stride, channels }, { sums, products: squares });
    groupTotals({ sums, products: squares }, groupOf, { sums: groupSums, products: groupSquares });
    for (let g = 0; g < groups; g++) {
      const mu = groupSums[g]! / count;
      const variance = Math.max(groupSquares[g]! / count - mu * mu, 0);
      inverseDeviation[n * groups + g] = 1 / Math.sqrt(variance + epsilon);
    }
    for (let k = 0; k < channels; k++) {
      mean[k] = groupSums[groupOf[k]!]! / count;
      factor[k] = inverseDeviation[n * groups + groupOf[k]!]!;
    }
    for (let i = base; i < base + stride; i += channels)
      for (let k = 0; k < channels; k++) normalized[i + k] = (x[i + k]! - mean[k]!) * factor[k]!;
  }
  return { normalized, inverseDeviation };
}

/** y = x̂·(1 + scaleDelta) + shift, per channel. */
function affine(
  normalized: Float32Array,
  channels: number,
  params: { scale: Float32Array; shift: Float32Array },
) {
  const y = new Float32Array(normalized.length);
  const factor = Float64Array.from(params.scale, (s) => 1 + s);
  for (let i = 0; i < y.length; i += channels)
    for (let k = 0; k < channels; k++) y[i + k] = normalized[i + k]! * factor[k]! + params.shift[k]!;
  return y;
}

/**
 * dx, d(scaleDelta), d(shift) from dy: with x̂ = (x − μ)/σ and dx̂ = dy·(1 + scaleDelta),
 * dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / σ over each image's group.
 */
function backwardValues(
  dy: Float32Array,
  saved: { normalized: Float32Array; inverseDeviation: Float64Array; scale: Float32Array },
  shape: Shape,
) {
  const { images, pixels, channels, groups } = shape;
  const { normalized, inverseDeviation } = saved;
  const groupOf = groupOfChannel(shape);
  const count = (pixels * channels) / groups;
  const factor = Float64Array.from(saved.scale, (s) => 1 + s);
  const dx = new Float32Array(dy.length);
  const dScale = new Float64Array(channels);
  const dShift = new Float64Array(channels);
  const sumGrad = new Float64Array(channels);
  const sumGradNormalized = new Float64Array(channels);
  const groupGrad = new Float64Array(groups);
  const groupGradNormalized = new Float64Array(groups);
  const meanGrad = new Float64Array(channels);
  const meanGradNormalized = new Float64Array(channels);
  const scaledFactor = new Float64Array(channels);
  const stride = pixels * channels;
  for (let n = 0; n < images; n++) {
    const base = n * stride;
    const perChannel = { sums: sumGrad, products: sumGradNormalized };
    channelSums({ a: dy, b: normalized }, { base, stride, channels }, perChannel);
    for (let k = 0; k < channels; k++) {
      dShift[k]! += sumGrad[k]!;
      dScale[k]! += sumGradNormalized[k]!;
    }
    groupTotals({ ...perChannel, weight: factor }, groupOf, {
      sums: groupGrad,
      products: groupGradNormalized,
    });
    for (let k = 0; k < channels; k++) {
      const inverse = inverseDeviation[n * groups + groupOf[k]!]!;
      meanGrad[k] = (groupGrad[groupOf[k]!]! / count) * inverse;
      meanGradNormalized[k] = (groupGradNormalized[groupOf[k]!]! / count) * inverse;
      scaledFactor[k] = factor[k]! * inverse;
    }
    for (let i = base; i < base + stride; i += channels)
      for (let k = 0; k < channels; k++)
        dx[i + k] =
          dy[i + k]! * scaledFactor[k]! - meanGrad[k]! - normalized[i + k]! * meanGradNormalized[k]!;
  }
  return { dx, dScale: Float32Array.from(dScale), dShift: Float32Array.from(dShift) };
}

/**
 * A tensor's values to read at once: on wasm a view of its heap memory (no copy; an allocation on the
 * heap may detach it, so it is read before the next), elsewhere dataSync's array.
 */
function valuesToReadNow(t: Tensor): Float32Array {
  if (tf.getBackend() !== 'wasm') return t.dataSync() as Float32Array;
  const heap = tf.backend() as unknown as { typedArrayFromHeap(info: Tensor): Float32Array };
  return heap.typedArrayFromHeap(t);
}

/**
 * GroupNorm with (1 + scaleDelta) and shift per channel, and its gradient in all three inputs, computed
 * on the values read out of the backend (for backends that keep tensors in this process: wasm, cpu).
 */
export function groupNormByLoops(
  x: Tensor4D,
  params: { scaleDelta: Tensor; shift: Tensor },
  norm: { groups: number; epsilon: number },
): Tensor4D {
  const { groups, epsilon } = norm;
  const [images, h, w, channels] = x.shape;
  const shape: Shape = { images, pixels: h * w, channels, groups };
  const op = tf.customGrad<Tensor4D>((...args) => {
    const [input, scaleDelta, shift] = args.slice(0, 3) as [Tensor4D, Tensor, Tensor];
    const scale = scaleDelta.dataSync() as Float32Array;
    const { normalized, inverseDeviation } = normalize(valuesToReadNow(input), shape, epsilon);
    const y = affine(normalized, channels, { scale, shift: shift.dataSync() as Float32Array });
    (args[3] as GradSaveFunc)([]);
    return {
      value: tf.tensor4d(y, input.shape),
      gradFunc: (dy: Tensor4D) => {
        const grads = backwardValues(valuesToReadNow(dy), { normalized, inverseDeviation, scale }, shape);
        return [tf.tensor4d(grads.dx, input.shape), tf.tensor1d(grads.dScale), tf.tensor1d(grads.dShift)];
      },
    };
  });
  return op(x, params.scaleDelta, params.shift);
}
