import { GRAIN, kernelBytes, kernelLayout } from './simd-kernel.ts';
import type { WeightedAverageArgs } from './types.ts';

/**
 * Floats per SIMD block. The kernel's memory holds a Float64 accumulator, four Float32 input slots and a
 * Float32 result of this many floats (112 KiB at 4 096), which stay in L2 while updates stream through;
 * larger blocks measured slower (slots fall out of L2 sooner), smaller ones pay more calls per float.
 */
export const SIMD_BLOCK_SIZE = 4096;

/** The part of the WebAssembly JS API used here (this package's lib has no DOM, which is where TS declares it). */
interface WasmApi {
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface KernelExports {
  memory: { buffer: ArrayBuffer };
  add1: (bytes: number, c0: number) => void;
  add2: (bytes: number, c0: number, c1: number) => void;
  // eslint-disable-next-line max-params -- the wasm export's signature: scalars, no objects across the boundary
  add4: (bytes: number, c0: number, c1: number, c2: number, c3: number) => void;
  finish: (bytes: number) => void;
}

/**
 * Weighted average with the WebAssembly SIMD kernel (f32x4 loads, f64x2 multiply-adds). Updates live in
 * ordinary ArrayBuffers that wasm cannot address, so each block of up to four updates is copied into the
 * kernel's slots first (a memcpy into L2), then summed there in one pass over the accumulator.
 */
export class SimdAverager {
  private readonly acc: Float64Array;
  private readonly slots: readonly Float32Array[];
  private readonly result: Float32Array;

  private constructor(
    private readonly kernel: KernelExports,
    private readonly blockSize: number,
  ) {
    const layout = kernelLayout(blockSize);
    const { buffer } = kernel.memory; // never grown, so these views stay attached
    this.acc = new Float64Array(buffer, layout.acc, blockSize);
    this.slots = layout.slots.map((offset) => new Float32Array(buffer, offset, blockSize));
    this.result = new Float32Array(buffer, layout.out, blockSize);
  }

  /** The averager, or undefined where the engine lacks WebAssembly or its SIMD instructions. */
  static create(blockSize = SIMD_BLOCK_SIZE): SimdAverager | undefined {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (wasm === undefined) return undefined;
    const bytes = kernelBytes(blockSize);
    if (!wasm.validate(bytes)) return undefined;
    const instance = new wasm.Instance(new wasm.Module(bytes));
    return new SimdAverager(instance.exports as KernelExports, blockSize);
  }

  /** Writes Σ coefficients[k]·weights[k][i] for i in [start, end), summed in Float64. */
  averageInto(args: WeightedAverageArgs): void {
    for (let blockStart = args.start; blockStart < args.end; blockStart += this.blockSize) {
      this.block(args, blockStart, Math.min(args.end, blockStart + this.blockSize));
    }
  }

  private block(args: WeightedAverageArgs, start: number, end: number): void {
    const { weights, coefficients: c, out } = args;
    const padded = Math.ceil((end - start) / GRAIN) * GRAIN;
    // Lanes past `end` compute on stale slot data; they are never written out.
    const bytes = padded * 4;
    this.acc.fill(0, 0, padded);
    const views = weights.map((w) => w.subarray(start, end));
    const n = views.length;
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      this.fill(views, k, 4);
      this.kernel.add4(bytes, c[k]!, c[k + 1]!, c[k + 2]!, c[k + 3]!);
    }
    if (k + 2 <= n) {
      this.fill(views, k, 2);
      this.kernel.add2(bytes, c[k]!, c[k + 1]!);
      k += 2;
    }
    if (k < n) {
      this.fill(views, k, 1);
      this.kernel.add1(bytes, c[k]!);
    }
    this.kernel.finish(bytes);
    out.set(end - start === this.blockSize ? this.result : this.result.subarray(0, end - start), start);
  }

  private fill(views: readonly Float32Array[], first: number, count: number): void {
    for (let s = 0; s < count; s++) this.slots[s]!.set(views[first + s]!);
  }
}
