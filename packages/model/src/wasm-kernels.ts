import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { registerConvPoolKernels } from './conv-pool-kernels.ts';

interface WasmBackendLike {
  disposeData(dataId: object): void;
}

function lastTwoSwapped(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
  return perm;
}

/**
 * The wasm BatchMatMul kernel is about ten times slower with a transpose flag than an explicit
 * Transpose followed by a plain product, and every matmul gradient sets one. This wrapper
 * transposes first, so gradients of dense layers run on the fast path.
 */
function transposingMatMul(original: KernelFunc, transpose: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as {
      inputs: { a: TensorInfo; b: TensorInfo };
      backend: WasmBackendLike;
      attrs: NamedAttrMap & { transposeA: boolean; transposeB: boolean };
    };
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
    const explicit = (x: TensorInfo, flag: boolean) =>
      flag
        ? (transpose({
            inputs: { x },
            backend,
            attrs: { perm: lastTwoSwapped(x.shape.length) },
          } as never) as TensorInfo)
        : x;
    const a = explicit(inputs.a, attrs.transposeA);
    const b = explicit(inputs.b, attrs.transposeB);
    const out = original({
      ...args,
      inputs: { a, b },
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    if (a !== inputs.a) backend.disposeData(a.dataId);
    if (b !== inputs.b) backend.disposeData(b.dataId);
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
  registerConvPoolKernels();
  patched = true;
}
