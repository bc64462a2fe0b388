// The wire is little-endian; typed arrays use the host's order, so big-endian hosts swap.

/** True on little-endian hosts (every platform Node ships on today). */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverse each 4-byte group in place. */
export function swapBytes32(bytes: Uint8Array): void {
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    const a = bytes[i]!;
    const b = bytes[i + 1]!;
    bytes[i] = bytes[i + 3]!;
    bytes[i + 1] = bytes[i + 2]!;
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}

/**
 * Copy float32 values into `out` as little-endian bytes, bit for bit: a byte copy never touches a value,
 * so NaN payloads, -0 and subnormals survive (reading a NaN into a JS number may canonicalise it).
 */
export function writeFloat32LE(values: Float32Array, out: Uint8Array): void {
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes32(out.subarray(0, values.byteLength));
}

/**
 * Little-endian float32 bytes as a Float32Array sharing their memory, when the host is little-endian and the
 * bytes start on a 4-byte boundary of their buffer; otherwise undefined (the caller copies).
 */
export function viewFloat32LE(bytes: Uint8Array): Float32Array | undefined {
  if (!HOST_IS_LITTLE_ENDIAN || bytes.byteOffset % 4 !== 0 || bytes.byteLength % 4 !== 0) return undefined;
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** Read little-endian float32 bytes into a new Float32Array, bit for bit. */
export function readFloat32LE(bytes: Uint8Array): Float32Array {
  const values = new Float32Array(bytes.byteLength / 4);
  const view = new Uint8Array(values.buffer);
  view.set(bytes);
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes32(view);
  return values;
}
