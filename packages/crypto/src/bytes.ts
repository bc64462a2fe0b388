import nacl from 'tweetnacl';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard padded base64. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Strict base64 decoding: Buffer.from silently skips bad characters, which would let two different strings
 * name the same key; here anything but canonical padded base64 of `length` bytes throws.
 */
export function fromBase64(text: string, length: number, what: string): Uint8Array {
  if (!BASE64.test(text)) throw new TypeError(`${what} is not valid base64`);
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  if (bytes.length !== length) throw new TypeError(`${what} must be ${length} bytes, got ${bytes.length}`);
  if (toBase64(bytes) !== text) throw new TypeError(`${what} is not canonical base64`);
  return bytes;
}

/** Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Decode lower- or upper-case hex of even length. */
export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new TypeError('not a hex string');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Constant-time equality for equal-length byte strings (false when lengths differ). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && (a.length === 0 || nacl.verify(a, b));
}

/** True when every byte is zero, without an early exit. */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

const utf8 = new TextEncoder();

/**
 * Canonical message for signing: each field as a u32 little-endian length and its bytes. Length prefixes
 * make the encoding injective, so no two field lists sign the same bytes.
 */
export function frame(fields: readonly (Uint8Array | string | number)[]): Uint8Array {
  const parts = fields.map((f) => (f instanceof Uint8Array ? f : utf8.encode(String(f))));
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const dv = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    dv.setUint32(at, p.length, true);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/** Split a framed message back into exactly `count` fields, or undefined when it is not well formed. */
export function unframe(bytes: Uint8Array, count: number): Uint8Array[] | undefined {
  const split = unframePrefix(bytes, count);
  return split && split.rest.length === 0 ? split.fields : undefined;
}

/**
 * Read `count` framed fields from the start of `bytes` and return them with the unframed rest, all as views
 * (no copies), or undefined when the fields are not well formed.
 */
export function unframePrefix(
  bytes: Uint8Array,
  count: number,
): { fields: Uint8Array[]; rest: Uint8Array } | undefined {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: Uint8Array[] = [];
  let at = 0;
  while (fields.length < count) {
    if (at + 4 > bytes.length) return undefined;
    const len = dv.getUint32(at, true);
    if (at + 4 + len > bytes.length) return undefined;
    fields.push(bytes.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return { fields, rest: bytes.subarray(at) };
}
