import type { Ack } from '../errors.ts';
import { fail } from '../errors.ts';
import { MAX_PARAMS, MAX_TENSOR_RANK, MAX_TENSORS } from '../limits.ts';
import type { TensorSpec } from '../manifest.ts';
import { WeightsManifest } from '../manifest.ts';
import { formatIssues } from '../parse.ts';
import { readFloat32LE, viewFloat32LE, writeFloat32LE } from './float-bytes.ts';
import { sha256Hex } from './sha256.ts';

// Layout (little-endian): "FFWT" | u16 version | u16 flags | u32 headerBytes | u32 tensorCount
// | u32 numParams | u32 reserved | per tensor: u16 nameLen, name, u8 rank, rank × u32 dims
// | zero padding to a multiple of 8 | numParams × float32.

const MAGIC = [0x46, 0x46, 0x57, 0x54]; // "FFWT"
/** Version of the binary weights format (independent of the protocol version). */
export const WEIGHTS_FORMAT_VERSION = 1;
const FIXED_HEADER = 24;
// Mirrors TensorSpec.name's bound, checked before decoding so a hostile length costs nothing.
const MAX_NAME_BYTES = 200;

/** A flat float32 weights vector and the layout it follows. */
export interface Weights {
  manifest: WeightsManifest;
  values: Float32Array;
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Canonical header bytes for `manifest`; its SHA-256 is the manifest hash the coordinator signs. */
export function encodeManifest(manifest: WeightsManifest): Uint8Array {
  const checked = WeightsManifest.safeParse(manifest);
  if (!checked.success)
    throw new TypeError(`invalid weights manifest: ${formatIssues(checked.error.issues)}`);
  const tableBytes = manifest.tensors.reduce((n, t) => n + 2 + t.name.length + 1 + 4 * t.shape.length, 0);
  const headerBytes = align8(FIXED_HEADER + tableBytes);
  const out = new Uint8Array(headerBytes);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint16(4, WEIGHTS_FORMAT_VERSION, true);
  dv.setUint16(6, 0, true);
  dv.setUint32(8, headerBytes, true);
  dv.setUint32(12, manifest.tensors.length, true);
  dv.setUint32(16, manifest.numParams, true);
  let p = FIXED_HEADER;
  for (const t of manifest.tensors) {
    dv.setUint16(p, t.name.length, true);
    for (let i = 0; i < t.name.length; i++) out[p + 2 + i] = t.name.charCodeAt(i);
    p += 2 + t.name.length;
    out[p++] = t.shape.length;
    for (const d of t.shape) {
      dv.setUint32(p, d, true);
      p += 4;
    }
  }
  return out;
}

/** SHA-256 (hex) of the canonical manifest header. */
export async function manifestHash(manifest: WeightsManifest): Promise<string> {
  return sha256Hex(encodeManifest(manifest));
}

/** Encode weights as header + raw little-endian float32 bytes (no JSON numbers anywhere). */
export function encodeWeights(weights: Weights): Uint8Array {
  const writer = weightsWriter(weights);
  const out = new Uint8Array(writer.byteLength);
  writer.write(out);
  return out;
}

/**
 * The bytes encodeWeights returns, written into memory the caller provides instead of a buffer of their own
 * (a site encodes its delta straight into the sealed buffer: one delta-sized allocation less per round).
 */
export function weightsWriter(weights: Weights): { byteLength: number; write(into: Uint8Array): void } {
  const header = encodeManifest(weights.manifest);
  if (weights.values.length !== weights.manifest.numParams) {
    throw new TypeError(
      `weights have ${weights.values.length} values but the manifest declares ${weights.manifest.numParams}`,
    );
  }
  const byteLength = header.length + weights.values.byteLength;
  return {
    byteLength,
    write(into) {
      if (into.byteLength !== byteLength)
        throw new RangeError(`encoded weights take ${byteLength} bytes, got room for ${into.byteLength}`);
      into.set(header, 0);
      writeFloat32LE(weights.values, into.subarray(header.length));
    },
  };
}

type Header = { manifest: WeightsManifest; headerBytes: number };

function readTable(
  bytes: Uint8Array,
  dv: DataView,
  count: number,
): Ack<{ tensors: TensorSpec[]; end: number }> {
  const tensors: TensorSpec[] = [];
  let p = FIXED_HEADER;
  for (let i = 0; i < count; i++) {
    if (p + 2 > bytes.length) return fail('invalid_payload', `weights header: tensor ${i} is truncated`);
    const nameLen = dv.getUint16(p, true);
    if (nameLen > MAX_NAME_BYTES)
      return fail(
        'invalid_payload',
        `weights header: tensor ${i} name is ${nameLen} bytes (max ${MAX_NAME_BYTES})`,
      );
    if (p + 2 + nameLen + 1 > bytes.length)
      return fail('invalid_payload', `weights header: tensor ${i} name is truncated`);
    const name = String.fromCharCode(...bytes.subarray(p + 2, p + 2 + nameLen));
    p += 2 + nameLen;
    const rank = bytes[p++]!;
    if (rank > MAX_TENSOR_RANK)
      return fail(
        'invalid_payload',
        `weights header: tensor "${name}" has rank ${rank} > ${MAX_TENSOR_RANK}`,
      );
    if (p + 4 * rank > bytes.length)
      return fail('invalid_payload', `weights header: tensor "${name}" shape is truncated`);
    const shape: number[] = [];
    for (let d = 0; d < rank; d++) shape.push(dv.getUint32(p + 4 * d, true));
    p += 4 * rank;
    tensors.push({ name, shape });
  }
  return { ok: true, data: { tensors, end: p } };
}

function readHeader(bytes: Uint8Array): Ack<Header> {
  if (bytes.length < FIXED_HEADER)
    return fail(
      'invalid_payload',
      `weights blob is ${bytes.length} bytes, shorter than the ${FIXED_HEADER}-byte header`,
    );
  if (MAGIC.some((m, i) => bytes[i] !== m))
    return fail('invalid_payload', 'weights blob does not start with the "FFWT" magic');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(4, true);
  if (version !== WEIGHTS_FORMAT_VERSION)
    return fail('version_mismatch', `weights format version ${version} is not ${WEIGHTS_FORMAT_VERSION}`);
  if (dv.getUint16(6, true) !== 0 || dv.getUint32(20, true) !== 0)
    return fail('invalid_payload', 'weights header: reserved fields must be zero');
  const headerBytes = dv.getUint32(8, true);
  const count = dv.getUint32(12, true);
  const numParams = dv.getUint32(16, true);
  if (headerBytes > bytes.length)
    return fail(
      'invalid_payload',
      `weights header claims ${headerBytes} bytes but the blob has ${bytes.length}`,
    );
  if (count < 1 || count > MAX_TENSORS)
    return fail('invalid_payload', `weights header: tensor count ${count} is outside 1..${MAX_TENSORS}`);
  if (numParams > MAX_PARAMS)
    return fail('payload_too_large', `weights header: ${numParams} parameters exceed ${MAX_PARAMS}`);
  const table = readTable(bytes.subarray(0, headerBytes), dv, count);
  if (!table.ok) return table;
  if (align8(table.data.end) !== headerBytes)
    return fail(
      'invalid_payload',
      `weights header: table ends at ${table.data.end}, so headerBytes must be ${align8(table.data.end)}, not ${headerBytes}`,
    );
  if (bytes.subarray(table.data.end, headerBytes).some((b) => b !== 0))
    return fail('invalid_payload', 'weights header: padding must be zero');
  const manifest = WeightsManifest.safeParse({ dtype: 'float32', tensors: table.data.tensors, numParams });
  if (!manifest.success)
    return fail('invalid_payload', `weights header: ${formatIssues(manifest.error.issues)}`);
  return { ok: true, data: { manifest: manifest.data, headerBytes } };
}

/**
 * Decode and fully validate a weights blob; never throws on hostile input. With `share`, the values are a view
 * of `bytes` where its float region is 4-byte aligned (always on little-endian hosts when `bytes` starts on a
 * 4-byte boundary: the header is padded to 8), so no model-sized copy is made; the caller then owns `bytes`
 * and must not change or reuse them while the values are in use.
 */
export function decodeWeights(bytes: Uint8Array, options: { share?: boolean } = {}): Ack<Weights> {
  const header = readHeader(bytes);
  if (!header.ok) return header;
  const { manifest, headerBytes } = header.data;
  const expected = headerBytes + 4 * manifest.numParams;
  if (bytes.length !== expected) {
    return fail(
      'invalid_payload',
      `weights blob is ${bytes.length} bytes; header + ${manifest.numParams} float32 values need ${expected}`,
    );
  }
  const floats = bytes.subarray(headerBytes);
  const values = (options.share ? viewFloat32LE(floats) : undefined) ?? readFloat32LE(floats);
  return { ok: true, data: { manifest, values } };
}
