// Node's own crypto is ~6x faster than WebCrypto on large buffers here (WebCrypto copies its input first), but
// a static `import 'node:crypto'` would break the dashboard's browser bundle. process.getBuiltinModule
// (Node >= 20.16) gives the native hash without an import; browsers fall back to WebCrypto.
const nodeCrypto = typeof process === 'undefined' ? undefined : process.getBuiltinModule?.('node:crypto');

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(bytes).digest('hex');
  // WebCrypto refuses views of a SharedArrayBuffer; those are copied.
  const input =
    bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const digest = await globalThis.crypto.subtle.digest('SHA-256', input);
  return toHex(new Uint8Array(digest));
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
