import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

interface HeapBackend {
  typedArrayFromHeap(info: { shape: number[]; dtype: string; dataId: object }): Float32Array;
}

/**
 * Copies a float32 tensor's values into `target` at `offset`. On wasm it reads the heap in place:
 * dataSync would first copy them into a new array (a gradient a step the size of the model, then
 * garbage), and this copy is the only one.
 */
export function copyValues(tensor: Tensor, target: Float32Array, offset: number): void {
  const backend = tf.backend() as Partial<HeapBackend>;
  if (tf.getBackend() === 'wasm' && tensor.dtype === 'float32' && backend.typedArrayFromHeap) {
    target.set(backend.typedArrayFromHeap(tensor), offset);
    return;
  }
  target.set(tensor.dataSync() as Float32Array, offset);
}
