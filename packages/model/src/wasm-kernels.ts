import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { registerConvPoolKernels } from './conv-pool-kernels.ts';

interface WasmBackendLike {
  disposeData(dataId: object): void;
  incRef(dataId: object): void;
}

/**
 * Identity as the cpu and webgl backends have it: the same data, one more reference. The wasm kernel
 * copies the values, and tfjs' engine runs Identity for every tensor a kernel saves for its gradient
 * (≈ 440 copies a training step of the default model, a few of them 8 MB). Tensors are never written
 * in place, so sharing is safe.
 */
function sharingIdentity(args: { inputs: { x: TensorInfo }; backend: WasmBackendLike }): TensorInfo {
  const { x } = args.inputs;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function lastTwoSwapped(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
  return perm;
}

/** Below this many elements in b, packing it costs less than the swap's extra kernels. */
const SWAP_MIN_PACKED = 65536;

/**
 * Whether a·bᵀ is cheaper as (b·aᵀ)ᵀ. XNNPACK packs the product's second operand anew for every new
 * tensor (≈ 6 ns an element here, more than the product itself for a layer's weights): a·bᵀ packs bᵀ
 * ([K, N], after transposing b), (b·aᵀ)ᵀ packs aᵀ ([K, M]) and transposes the small result. That wins
 * when a has fewer rows than b, as in a dense layer's input gradient dy·Wᵀ with W wide.
 */
function swapsCheaper(a: TensorInfo, b: TensorInfo): boolean {
  const [batchA, rowsA] = a.shape as [number, number, number];
  const [batchB, rowsB, shared] = b.shape as [number, number, number];
  return batchA === 1 && batchB === 1 && rowsA < rowsB && rowsB * shared >= SWAP_MIN_PACKED;
}

/**
 * The wasm BatchMatMul kernel is about ten times slower with a transpose flag than an explicit
 * Transpose followed by a plain product, and every matmul gradient sets one. This wrapper
 * transposes first, so gradients of dense layers run on the fast path, and swaps the operands of
 * a·bᵀ where that packs less (swapsCheaper).
 */
function transposingMatMul(original: KernelFunc, transpose: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as {
      inputs: { a: TensorInfo; b: TensorInfo };
      backend: WasmBackendLike;
      attrs: NamedAttrMap & { transposeA: boolean; transposeB: boolean };
    };
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
    const transposed = (x: TensorInfo) =>
      transpose({
        inputs: { x },
        backend,
        attrs: { perm: lastTwoSwapped(x.shape.length) },
      } as never) as TensorInfo;
    const product = (a: TensorInfo, b: TensorInfo) =>
      original({
        ...args,
        inputs: { a, b },
        attrs: { ...attrs, transposeA: false, transposeB: false },
      }) as TensorInfo;
    const free = (...made: TensorInfo[]) => made.forEach((x) => backend.disposeData(x.dataId));
    if (!attrs.transposeA && swapsCheaper(inputs.a, inputs.b)) {
      const aT = transposed(inputs.a);
      const swapped = product(inputs.b, aT);
      const out = transposed(swapped);
      free(aT, swapped);
      return out;
    }
    const a = attrs.transposeA ? transposed(inputs.a) : inputs.a;
    const b = attrs.transposeB ? transposed(inputs.b) : inputs.b;
    const out = product(a, b);
    free(...[a, b].filter((x) => x !== inputs.a && x !== inputs.b));
    return out;
  };
}

let patched = false;

/** Re-registers the wasm kernels that FedFuse replaces, and adds its own; call after the wasm backend is imported. */
export function patchWasmKernels(): void {
  if (patched) return;
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!matMul || !transpose)
    throw new Error('The wasm backend has no BatchMatMul or Transpose kernel to build on');
  const replacement: KernelConfig = {
    ...matMul,
    kernelFunc: transposingMatMul(matMul.kernelFunc, transpose.kernelFunc),
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(replacement);
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: sharingIdentity as never });
  registerConvPoolKernels();
  patched = true;
}
