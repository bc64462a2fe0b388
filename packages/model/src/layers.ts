import * as tf from '@tensorflow/tfjs-core';
import type { GradSaveFunc, Tensor1D, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import { compositeConvGradientsActive, conv2dFilterGradient, conv2dInputGradient } from './conv-gradient.ts';

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

function reluConvGradients(dy: Tensor4D, y: Tensor4D): { masked: Tensor4D; bias: Tensor1D } {
  const masked = tf.mul(dy, tf.step(y)) as Tensor4D;
  return { masked, bias: tf.sum(masked, [0, 1, 2]) };
}

/**
 * ReLU(conv3×3(x, W) + b), stride 1, 'same', as one fused forward kernel whose gradients are the
 * composite forward convolutions. `inputNeedsGradient: false` (the image itself) skips dX.
 */
export function convRelu(x: Tensor4D, params: ConvParams, inputNeedsGradient: boolean): Tensor4D {
  const kernel = params.kernel as Tensor4D;
  const bias = params.bias as Tensor1D;
  const filterSize: [number, number] = [kernel.shape[0], kernel.shape[1]];
  const forward = (input: Tensor4D, w: Tensor4D, b: Tensor1D): Tensor4D =>
    tf.fused.conv2d({ x: input, filter: w, bias: b, activation: 'relu', strides: 1, pad: 'same' });
  if (!compositeConvGradientsActive()) return forward(x, kernel, bias);
  if (inputNeedsGradient) {
    const op = tf.customGrad<Tensor4D>((...args) => {
      const [input, w, b] = args as [Tensor4D, Tensor4D, Tensor1D];
      const save = args[3] as GradSaveFunc;
      const y = forward(input, w, b);
      save([input, w, y]);
      return {
        value: y,
        gradFunc: (dy, saved) => {
          const [savedX, savedW, savedY] = saved as [Tensor4D, Tensor4D, Tensor4D];
          const g = reluConvGradients(dy, savedY);
          return [
            conv2dInputGradient(g.masked, savedW),
            conv2dFilterGradient(savedX, g.masked, filterSize),
            g.bias,
          ];
        },
      };
    });
    return op(x, kernel, bias);
  }
  const op = tf.customGrad<Tensor4D>((...args) => {
    const [w, b] = args as [Tensor4D, Tensor1D];
    const save = args[2] as GradSaveFunc;
    const y = forward(x, w, b);
    save([y]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const g = reluConvGradients(dy, (saved as [Tensor4D])[0]);
        return [conv2dFilterGradient(x, g.masked, filterSize), g.bias];
      },
    };
  });
  return op(kernel, bias);
}
