import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, Tensor2D, Tensor4D, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Two wasm kernels written as JavaScript loops over the wasm heap (no copies in or out), for the backward
 * pass of conv→ReLU→max-pool: the gradient at the ReLU output, and the conv input laid out as the
 * transposed patch matrix of its filter gradient. As tfjs ops the first is eight broadcasting kernels;
 * the second replaces transposes, a pad, and a conv whose "filter" is the whole gradient map.
 */

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

const POOL_RELU_GRADIENT = 'FedFusePoolReluGradient';
const FILTER_PATCHES = 'FedFuseFilterPatches';

/**
 * g = dPooled at each 2×2 window's maximum where the ReLU output is positive, else 0: what
 * (1 − step(up(pooled) − y))·step(y)·up(dPooled) gives, ties sharing the gradient. Compared as the
 * floats' bits (y and its maxima are ReLU outputs, ≥ 0, whose bits order as integers), without branches:
 * a data-dependent branch costs 10–15 ns an element here, mispredicted half the time.
 */
function poolReluGradient(args: { inputs: Record<string, TensorInfo>; backend: unknown }): TensorInfo {
  const backend = args.backend as WasmHeapBackend;
  const { dPooled, y, pooled } = args.inputs as Record<'dPooled' | 'y' | 'pooled', TensorInfo>;
  const [images, height, width, channels] = y.shape as [number, number, number, number];
  const [, poolHeight, poolWidth] = pooled.shape as [number, number, number, number];
  // Allocate before taking views: an allocation may grow the heap and detach earlier views.
  const out = backend.makeOutput(y.shape, 'float32');
  const bits = (info: TensorInfo) => {
    const view = backend.typedArrayFromHeap(info);
    return new Int32Array(view.buffer, view.byteOffset, view.length);
  };
  const [g, yBits, maxBits, upstream] = [bits(out), bits(y), bits(pooled), bits(dPooled)];
  // A row or column an odd size leaves outside every window gets no gradient.
  if (height % 2 === 1 || width % 2 === 1) g.fill(0);
  const rowLength = width * channels;
  // Per window: its maximum and gradient read once, its four positions written.
  for (let n = 0; n < images; n++)
    for (let i = 0; i < poolHeight; i++) {
      const top = (n * height + 2 * i) * rowLength;
      const poolRow = (n * poolHeight + i) * poolWidth * channels;
      for (let j = 0; j < poolWidth; j++) {
        const [a, b] = [top + 2 * j * channels, top + rowLength + 2 * j * channels];
        const poolAt = poolRow + j * channels;
        for (let k = 0; k < channels; k++) {
          const max = maxBits[poolAt + k]!;
          const up = upstream[poolAt + k]!;
          // up where v ≥ the maximum and v > 0 (−0's bits are negative), else 0; written out four
          // times, as a closure here would cost more than the loop.
          let v = yBits[a + k]!;
          g[a + k] = up & ~((v - max) >> 31) & (-v >> 31);
          v = yBits[a + channels + k]!;
          g[a + channels + k] = up & ~((v - max) >> 31) & (-v >> 31);
          v = yBits[b + k]!;
          g[b + k] = up & ~((v - max) >> 31) & (-v >> 31);
          v = yBits[b + channels + k]!;
          g[b + channels + k] = up & ~((v - max) >> 31) & (-v >> 31);
        }
      }
    }
  return out;
}

/** The filter's size and 'same' padding, the attributes of FILTER_PATCHES. */
interface PatchAttrs {
  filterHeight: number;
  filterWidth: number;
}

/**
 * P[r, m] for r = (p·kw + q)·C + c and m = (n·H + i)·W + j: x[n, i + p − top, j + q − left, c] (0 outside
 * the image), and a last row of ones, from x's channel planes ([C, N, H, W]). P·dy (dy as [N·H·W, O]) is
 * then the filter gradient of a stride-1 'same' conv in [kh·kw·C, O] layout with the bias gradient as its
 * last row: one plain matrix product, whose streamed operand is P and whose packed operand is dy as it
 * is. Each row is its channel's plane shifted by (p − top)·W + q − left, so each image's part is one
 * block copy, and then the rows and columns the shift brings in from outside the image are zeroed.
 */
function filterPatches(args: {
  inputs: Record<string, TensorInfo>;
  backend: unknown;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const backend = args.backend as WasmHeapBackend;
  const { planes } = args.inputs as { planes: TensorInfo };
  const { filterHeight, filterWidth } = args.attrs as unknown as PatchAttrs;
  const [channels, images, height, width] = planes.shape as [number, number, number, number];
  const columns = images * height * width;
  const rows = filterHeight * filterWidth * channels;
  const out = backend.makeOutput([rows + 1, columns], 'float32');
  const patches = backend.typedArrayFromHeap(out);
  const source = backend.typedArrayFromHeap(planes);
  // Both live in the wasm heap: copyWithin over the whole heap is a memmove, where set() between two
  // views of one buffer copies the source aside first.
  const heap = new Float32Array(patches.buffer);
  const [outAt, sourceAt] = [patches.byteOffset / 4, source.byteOffset / 4];
  for (let p = 0; p < filterHeight; p++)
    for (let q = 0; q < filterWidth; q++) {
      const shift = {
        rows: p - Math.floor((filterHeight - 1) / 2),
        columns: q - Math.floor((filterWidth - 1) / 2),
      };
      for (let c = 0; c < channels; c++) {
        const rowStart = outAt + ((p * filterWidth + q) * channels + c) * columns;
        for (let n = 0; n < images; n++) {
          const image = { at: rowStart + n * height * width, from: (c * images + n) * height * width };
          shiftedImage(heap, {
            image,
            shift,
            height,
            width,
            source: { at: sourceAt, length: source.length },
          });
        }
      }
    }
  patches.fill(1, rows * columns);
  return out;
}

/** One image's plane, shifted, into its place in a row of P (see filterPatches); offsets into `heap`. */
function shiftedImage(
  heap: Float32Array,
  where: {
    image: { at: number; from: number };
    shift: { rows: number; columns: number };
    height: number;
    width: number;
    source: { at: number; length: number };
  },
): void {
  const { image, shift, height, width, source } = where;
  const firstRow = Math.max(0, -shift.rows);
  const endRow = Math.min(height, height - shift.rows);
  heap.fill(0, image.at, image.at + firstRow * width);
  heap.fill(0, image.at + endRow * width, image.at + height * width);
  if (endRow <= firstRow) return;
  // Shifted sideways, the block copy reads one element beyond the rows at each end; those land in
  // columns zeroed below, and are clipped where they would fall outside the source.
  let to = image.at + firstRow * width;
  let from = image.from + (firstRow + shift.rows) * width + shift.columns;
  let length = (endRow - firstRow) * width;
  if (from < 0) [to, length, from] = [to - from, length + from, 0];
  length = Math.min(length, source.length - from);
  heap.copyWithin(to, source.at + from, source.at + from + length);
  if (shift.columns === 0) return;
  const [zeroFrom, zeroTo] = shift.columns > 0 ? [width - shift.columns, width] : [0, -shift.columns];
  // Element by element: a fill() call costs more than the one or two values it would write.
  for (let i = firstRow; i < endRow; i++)
    for (let j = image.at + i * width + zeroFrom; j < image.at + i * width + zeroTo; j++) heap[j] = 0;
}

/**
 * The gradient at the ReLU output y of maxPool2×2(y), from the pooled gradient (wasm only).
 */
export function poolReluGradientOnWasm(dPooled: Tensor4D, y: Tensor4D, pooled: Tensor4D): Tensor4D {
  return tf.engine().runKernel(POOL_RELU_GRADIENT, { dPooled, y, pooled }) as Tensor4D;
}

/**
 * The filter and bias gradients of a stride-1 'same' conv of x with a filter of `filterSize`, from the
 * gradient g at its output (wasm only): dW as [kh, kw, C, O] and dB as [O].
 */
export function convFilterAndBiasGradient(
  x: Tensor4D,
  g: Tensor4D,
  filterSize: [number, number],
): { dW: Tensor4D; dB: tf.Tensor1D } {
  return tf.tidy(() => {
    const [filterHeight, filterWidth] = filterSize;
    const attrs: PatchAttrs = { filterHeight, filterWidth };
    const planes = tf.transpose(x, [3, 0, 1, 2]);
    const patches = tf
      .engine()
      .runKernel(FILTER_PATCHES, { planes }, attrs as unknown as NamedAttrMap) as Tensor2D;
    const outputs = g.shape[3];
    const both = tf.matMul(patches, tf.reshape(g, [-1, outputs]));
    const rows = patches.shape[0] - 1;
    const dW = tf.reshape(tf.slice(both, [0, 0], [rows, outputs]), [
      filterHeight,
      filterWidth,
      x.shape[3],
      outputs,
    ]) as Tensor4D;
    return { dW, dB: tf.reshape(tf.slice(both, [rows, 0], [1, outputs]), [outputs]) as tf.Tensor1D };
  });
}

/** Registers the two kernels on the wasm backend; call once, after the backend is imported. */
export function registerConvPoolKernels(): void {
  const kernels: KernelConfig[] = [
    { kernelName: POOL_RELU_GRADIENT, backendName: 'wasm', kernelFunc: poolReluGradient as never },
    { kernelName: FILTER_PATCHES, backendName: 'wasm', kernelFunc: filterPatches as never },
  ];
  for (const kernel of kernels) if (!tf.getKernel(kernel.kernelName, 'wasm')) tf.registerKernel(kernel);
}
