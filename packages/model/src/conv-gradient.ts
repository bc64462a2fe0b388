import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DAttrs, GradConfig, NamedAttrMap, Tensor4D } from '@tensorflow/tfjs-core';

/**
 * Gradients of a stride-1 NHWC convolution written as forward convolutions only.
 * The wasm backend has no Conv2DBackpropFilter kernel and a slow Conv2DBackpropInput;
 * its forward Conv2D (XNNPACK) is fast, so both gradients are recast as forward convs.
 */
export function conv2dFilterGradient(x: Tensor4D, dy: Tensor4D, filterShape: [number, number]): Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = filterShape;
    const [padTop, padLeft] = [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2)];
    // dW[p,q,c,o] = Σ_{n,i,j} x[n,i+p,j+q,c]·dy[n,i,j,o]: a conv whose batch is c, whose
    // input channels are n, and whose filter is dy laid out as [H, W, n, o].
    const xPadded = tf.pad(x, [
      [0, 0],
      [padTop, kh - 1 - padTop],
      [padLeft, kw - 1 - padLeft],
      [0, 0],
    ]);
    const xByChannel = tf.transpose(xPadded, [3, 1, 2, 0]);
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
    const grad = tf.conv2d(xByChannel, dyAsFilter, 1, 'valid');
    return tf.transpose(grad, [1, 2, 0, 3]);
  });
}

/** dX of a stride-1 'same' conv: dy convolved with the filter rotated 180° and its in/out swapped. */
export function conv2dInputGradient(dy: Tensor4D, filter: Tensor4D): Tensor4D {
  return tf.tidy(() => {
    const rotated = tf.reverse(filter, [0, 1]);
    const swapped = tf.transpose(rotated, [0, 1, 3, 2]) as Tensor4D;
    const [kh, kw] = filter.shape;
    // An odd filter's 'same' padding is symmetric, so the rotated filter pads dy the same way itself,
    // without a Pad kernel.
    if (kh % 2 === 1 && kw % 2 === 1) return tf.conv2d(dy, swapped, 1, 'same');
    const padTop = kh - 1 - Math.floor((kh - 1) / 2);
    const padLeft = kw - 1 - Math.floor((kw - 1) / 2);
    const padded = tf.pad(dy, [
      [0, 0],
      [padTop, kh - 1 - padTop],
      [padLeft, kw - 1 - padLeft],
      [0, 0],
    ]);
    return tf.conv2d(padded, swapped, 1, 'valid');
  });
}

/** Whether the active backend lacks, or is slow at, the native convolution gradients. */
function compositeConvGradientsActive(): boolean {
  const backend = tf.getBackend();
  return backend === 'wasm' || tf.getKernel('Conv2DBackpropFilter', backend) === undefined;
}

/** Whether the composite gradients handle this conv; otherwise the stock gradient runs. */
function compositeApplies(attrs: NamedAttrMap): boolean {
  const { strides, dilations, pad, dataFormat } = attrs as unknown as Conv2DAttrs;
  const ones = (v: number | [number, number] | undefined) =>
    v === undefined || v === 1 || (Array.isArray(v) && v[0] === 1 && v[1] === 1);
  return (
    compositeConvGradientsActive() &&
    ones(strides) &&
    ones(dilations) &&
    pad === 'same' &&
    dataFormat === 'NHWC'
  );
}

let registered = false;

/** Installs the composite Conv2D gradient once; other backends keep their native kernels. */
export function registerCompositeConvGradient(): void {
  if (registered) return;
  const stock = tf.getGradient('Conv2D');
  if (!stock) throw new Error('tfjs-core has no Conv2D gradient to extend');
  const config: GradConfig = {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      if (!compositeApplies(attrs)) return stock.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [Tensor4D, Tensor4D];
      const grad = dy as Tensor4D;
      return {
        x: () => conv2dInputGradient(grad, filter),
        filter: () => conv2dFilterGradient(x, grad, [filter.shape[0], filter.shape[1]]),
      };
    },
  };
  tf.registerGradient(config);
  registered = true;
}
