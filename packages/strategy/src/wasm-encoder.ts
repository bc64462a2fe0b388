/**
 * Just enough of the WebAssembly binary format (core spec §5, SIMD proposal) to emit the FedAvg kernel from
 * TypeScript: no WAT toolchain at build time, no native dependency, and the module is readable as code.
 */

/** Value types. */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return bytes;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (text: string): number[] => vector([...new TextEncoder().encode(text)].map((b) => [b]));
const section = (id: number, items: number[][]): number[] => {
  const body = vector(items);
  return [id, ...uleb(body.length), ...body];
};

/** The instructions the kernel uses; SIMD ones are 0xfd followed by their LEB128 opcode. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  localGet: (index: number) => [0x20, ...uleb(index)],
  localSet: (index: number) => [0x21, ...uleb(index)],
  localTee: (index: number) => [0x22, ...uleb(index)],
  i32Const: (value: number) => [0x41, ...sleb(value)],
  i32Eqz: [0x45],
  i32LtU: [0x49],
  i32Add: [0x6a],
  i32Shl: [0x74],
  /** memarg = alignment exponent, then a constant byte offset added to the address operand. */
  v128Load: (offset: number) => [0xfd, 0x00, 4, ...uleb(offset)],
  v128Load64Zero: (offset: number) => [0xfd, 0x5d, 3, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, 0x0b, 4, ...uleb(offset)],
  i8x16Shuffle: (lanes: readonly number[]) => [0xfd, 0x0d, ...lanes],
  f64x2Splat: [0xfd, 0x14],
  f32x4DemoteF64x2Zero: [0xfd, 0x5e],
  f64x2PromoteLowF32x4: [0xfd, 0x5f],
  f64x2Add: [0xfd, ...uleb(0xf0)],
  f64x2Mul: [0xfd, ...uleb(0xf2)],
} as const;

/** One exported function: its signature, extra locals (one entry each) and body (without the final `end`). */
export interface WasmFunction {
  name: string;
  params: readonly number[];
  locals: readonly number[];
  body: readonly number[];
}

/** A module of one exported memory (`memory`, `pages` × 64 KiB) and the given exported functions. */
export function encodeModule(pages: number, functions: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector([])]);
  const code = functions.map((f) => {
    const body = [...vector(f.locals.map((t) => [1, t])), ...f.body, ...op.end];
    return [...uleb(body.length), ...body];
  });
  const exports = [
    [...name('memory'), 0x02, 0],
    ...functions.map((f, index) => [...name(f.name), 0x00, ...uleb(index)]),
  ];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...section(
      3,
      functions.map((_, index) => uleb(index)),
    ),
    ...section(5, [[0x00, ...uleb(pages)]]),
    ...section(7, exports),
    ...section(10, code),
  ]);
}
