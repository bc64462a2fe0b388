import * as tf from '@tensorflow/tfjs-core';
import type { GradSaveFunc, Tensor1D, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import { conv2dInputGradient } from './conv-gradient.ts';
import { convFilterAndBiasGradient, poolReluGradientOnWasm } from './conv-pool-kernels.ts';

interface DenseParams {
  kernel: tf.Tensor;
  bias: tf.Tensor;
}

/** x·W + b with an optional ReLU, as one fused kernel where the backend has it. */
export function dense(x: Tensor2D, params: DenseParams, relu: boolean): Tensor2D {
  return tf.fused.matMul({
    a: x,
    b: params.kernel as Tensor2D,
    bias: params.bias,
    activation: relu ? 'relu' : 'linear',
  }) as Tensor2D;
}

interface ConvParams {
  kernel: tf.Tensor;
  bias: tf.Tensor;
}

/**
 * maxPool2×2(ReLU(conv3×3(x, W) + b)), stride 1, 'same': the forward pass is two wasm kernels, and on
 * wasm (which has no conv gradient kernels) the backward pass is two loop kernels over the wasm heap,
 * one matrix product for the filter and bias gradients, and a forward conv for dX.
 * `inputNeedsGradient: false` (the image itself) skips dX. Other backends run the plain ops.
 */
export function convReluPool(x: Tensor4D, params: ConvParams, inputNeedsGradient: boolean): Tensor4D {
  const kernel = params.kernel as Tensor4D;
  const bias = params.bias as Tensor1D;
  const filterSize: [number, number] = [kernel.shape[0], kernel.shape[1]];
  const run = (input: Tensor4D, w: Tensor4D, b: Tensor1D) => {
    const y = tf.fused.conv2d({ x: input, filter: w, bias: b, activation: 'relu', strides: 1, pad: 'same' });
    return { y, pooled: tf.maxPool(y, 2, 2, 'valid') };
  };
  if (tf.getBackend() !== 'wasm') return run(x, kernel, bias).pooled;
  const gradients = (
    dPooled: Tensor4D,
    saved: { x: Tensor4D; w: Tensor4D; y: Tensor4D; pooled: Tensor4D },
  ) => {
    const g = poolReluGradientOnWasm(dPooled, saved.y, saved.pooled);
    const { dW, dB } = convFilterAndBiasGradient(saved.x, g, filterSize);
    return inputNeedsGradient ? [conv2dInputGradient(g, saved.w), dW, dB] : [dW, dB];
  };
  const op = tf.customGrad<Tensor4D>((...args) => {
    const tensors = args.slice(0, -1) as tf.Tensor[];
    const save = args.at(-1) as GradSaveFunc;
    const [input, w, b] = (inputNeedsGradient ? tensors : [x, ...tensors]) as [Tensor4D, Tensor4D, Tensor1D];
    const { y, pooled } = run(input, w, b);
    save([input, w, y, pooled]);
    return {
      value: pooled,
      gradFunc: (dy, saved) => {
        const [sx, sw, sy, sp] = saved as [Tensor4D, Tensor4D, Tensor4D, Tensor4D];
        return gradients(dy, { x: sx, w: sw, y: sy, pooled: sp });
      },
    };
  });
  return inputNeedsGradient ? op(x, kernel, bias) : op(kernel, bias);
}

/**
 * The maximum of each image's channel over its pixels. Its gradient goes to every position equal to the
 * maximum, as tfjs' own, but compares against the maxima upsampled to the map's size: wasm's Equal with
 * broadcasting is ≈ 10× slower than the same-shape ops (≈ 10 ms a step of the default model).
 */
export function globalMax(x: Tensor4D): Tensor2D {
  const [b, h, w, c] = x.shape;
  const op = tf.customGrad<Tensor2D>((...args) => {
    const input = args[0] as Tensor4D;
    const maxima = tf.max(input, [1, 2]) as Tensor2D;
    (args[1] as GradSaveFunc)([input, maxima]);
    return {
      value: maxima,
      gradFunc: (dy, saved) => {
        const [savedInput, savedMaxima] = saved as [Tensor4D, Tensor2D];
        const size: [number, number] = [h, w];
        const up = (t: tf.Tensor) =>
          tf.image.resizeNearestNeighbor(tf.reshape(t, [b, 1, 1, c]) as Tensor4D, size);
        return tf.mul(up(dy), tf.cast(tf.equal(savedInput, up(savedMaxima)), 'float32'));
      },
    };
  });
  return op(x);
}
