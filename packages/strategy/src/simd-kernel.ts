import { F64, I32, V128, encodeModule, op } from './wasm-encoder.ts';
import type { WasmFunction } from './wasm-encoder.ts';

/** Floats per unrolled step: two f64x2 pairs per `add` iteration, one f32x4 per `finish` iteration. */
export const GRAIN = 4;

/** Byte offsets of the kernel's buffers in its memory, for a block of `blockSize` floats. */
export interface KernelLayout {
  blockSize: number;
  /** Float64 accumulator, blockSize × 8 bytes. */
  acc: number;
  /** Four Float32 input slots, blockSize × 4 bytes each. */
  slots: readonly number[];
  /** Float32 result of `finish`. */
  out: number;
  bytes: number;
}

export function kernelLayout(blockSize: number): KernelLayout {
  const slot = blockSize * 4;
  const slots = [0, 1, 2, 3].map((k) => blockSize * 8 + k * slot);
  return { blockSize, acc: 0, slots, out: blockSize * 8 + 4 * slot, bytes: blockSize * 8 + 5 * slot };
}

/**
 * `addK(bytes, c0 … cK-1)`: acc[j] += Σ c_k · slot_k[j] over the first `bytes` bytes of the slots, with the
 * sum grouped as the JS kernel groups it ((c0w0 + c1w1) + (c2w2 + c3w3)), so both give identical bits.
 * Equivalent WAT of one step (the loop repeats it for the pair at +8 bytes, then advances i by 16, j by 32):
 *
 *   (v128.store offset=ACC (local.get $j)
 *     (f64x2.add (v128.load offset=ACC (local.get $j))
 *       (f64x2.add (f64x2.add (TERM 0) (TERM 1)) (f64x2.add (TERM 2) (TERM 3)))))
 *   ;; TERM k = (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=SLOT_k (local.get $i))) $ck)
 */
function addFunction(layout: KernelLayout, count: 1 | 2 | 4): WasmFunction {
  const coefficient = (k: number) => 1 + count + k; // locals after the params: splatted coefficients
  const i = 1 + 2 * count;
  const j = i + 1;
  const term = (k: number, pair: number) => [
    ...op.localGet(i),
    ...op.v128Load64Zero(layout.slots[k]! + 8 * pair),
    ...op.f64x2PromoteLowF32x4,
    ...op.localGet(coefficient(k)),
    ...op.f64x2Mul,
  ];
  const sum = (pair: number): number[] => {
    if (count === 1) return term(0, pair);
    const first = [...term(0, pair), ...term(1, pair), ...op.f64x2Add];
    if (count === 2) return first;
    return [...first, ...term(2, pair), ...term(3, pair), ...op.f64x2Add, ...op.f64x2Add];
  };
  const step = (pair: number) => [
    ...op.localGet(j),
    ...op.localGet(j),
    ...op.v128Load(layout.acc + 16 * pair),
    ...sum(pair),
    ...op.f64x2Add,
    ...op.v128Store(layout.acc + 16 * pair),
  ];
  const splats = Array.from({ length: count }, (_, k) => [
    ...op.localGet(1 + k),
    ...op.f64x2Splat,
    ...op.localSet(coefficient(k)),
  ]).flat();
  return {
    name: `add${count}`,
    params: [I32, ...Array<number>(count).fill(F64)],
    locals: [...Array<number>(count).fill(V128), I32, I32],
    body: [...splats, ...countedLoop({ bytes: 0, i, j, body: [...step(0), ...step(1)], stride: 16 })],
  };
}

/** `finish(bytes)`: the accumulator rounded to Float32 into the out buffer, four floats per step. */
function finishFunction(layout: KernelLayout): WasmFunction {
  const i = 1;
  const j = 2;
  const demote = (offset: number) => [
    ...op.localGet(j),
    ...op.v128Load(layout.acc + offset),
    ...op.f32x4DemoteF64x2Zero,
  ];
  const lowHalves = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
  const body = [
    ...op.localGet(i),
    ...demote(0),
    ...demote(16),
    ...op.i8x16Shuffle(lowHalves),
    ...op.v128Store(layout.out),
  ];
  return {
    name: 'finish',
    params: [I32],
    locals: [I32, I32],
    body: countedLoop({ bytes: 0, i, j, body, stride: 16 }),
  };
}

/** `for (i = 0, j = 0; i < bytes; i += stride, j += 2·stride) body`, skipped when bytes is 0. */
function countedLoop(args: {
  bytes: number;
  i: number;
  j: number;
  body: number[];
  stride: number;
}): number[] {
  const { bytes, i, j, body, stride } = args;
  return [
    ...op.block,
    ...op.localGet(bytes),
    ...op.i32Eqz,
    ...op.brIf(0),
    ...op.loop,
    ...body,
    ...op.localGet(i),
    ...op.i32Const(stride),
    ...op.i32Add,
    ...op.localTee(i),
    ...op.localGet(j),
    ...op.i32Const(2 * stride),
    ...op.i32Add,
    ...op.localSet(j),
    ...op.localGet(bytes),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
    ...op.end,
  ];
}

/** The kernel module's bytes for blocks of `blockSize` floats (a multiple of GRAIN). */
export function kernelBytes(blockSize: number): Uint8Array<ArrayBuffer> {
  if (blockSize % GRAIN !== 0) throw new Error(`kernel block size must be a multiple of ${GRAIN}`);
  const layout = kernelLayout(blockSize);
  const pages = Math.ceil(layout.bytes / 65_536);
  return encodeModule(pages, [
    addFunction(layout, 1),
    addFunction(layout, 2),
    addFunction(layout, 4),
    finishFunction(layout),
  ]);
}
