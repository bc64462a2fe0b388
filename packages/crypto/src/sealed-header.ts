// The header every sealed-delta version starts with: "FFSD" | u8 version | 3 zero bytes | 24-byte random
// nonce. The nonce names the message (the message key for idempotent handling), whatever the version.
import { failure } from './result.ts';

const MAGIC = [0x46, 0x46, 0x53, 0x44]; // "FFSD"
/** Nonce length: 192 random bits, so nonces never repeat in practice (see sealed-v2.ts). */
export const NONCE_BYTES = 24;
/** Header length in bytes. */
export const HEADER_BYTES = 8 + NONCE_BYTES;
/** Authentication tag length of both versions (Poly1305 and GCM). */
export const TAG_BYTES = 16;
/** Version 1: nacl.box (X25519 + XSalsa20-Poly1305, tweetnacl). Opened for one release, never sealed. */
export const SEALED_V1 = 1;
/** Version 2: X25519 → HKDF-SHA256 message key → AES-256-GCM (OpenSSL). What sealDelta writes. */
export const SEALED_V2 = 2;

/** A parsed header and views of its parts (no copies). */
export interface SealedHeader {
  version: typeof SEALED_V1 | typeof SEALED_V2;
  header: Uint8Array;
  nonce: Uint8Array;
  /** Everything after the header: ciphertext and tag. */
  body: Uint8Array;
}

/** Write the header for `version` and `nonce` at the start of `out`. */
export function writeHeader(out: Uint8Array, version: number, nonce: Uint8Array): void {
  if (nonce.length !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
  out.set(MAGIC, 0);
  out.set([version, 0, 0, 0], 4);
  out.set(nonce, 8);
}

/** The header of a sealed delta, or a failure saying why `sealed` is not one (only the AEAD check trusts it). */
export function readHeader(sealed: Uint8Array): SealedHeader | ReturnType<typeof failure> {
  if (sealed.length < HEADER_BYTES + TAG_BYTES)
    return failure(
      'invalid_payload',
      `not a sealed delta: ${sealed.length} bytes, shorter than the ${HEADER_BYTES + TAG_BYTES}-byte minimum`,
    );
  if (MAGIC.some((m, i) => sealed[i] !== m))
    return failure('invalid_payload', 'not a sealed delta: it does not start with "FFSD"');
  const version = sealed[4];
  if (version !== SEALED_V1 && version !== SEALED_V2)
    return failure(
      'version_mismatch',
      `sealed delta version ${version} is not supported (this build opens versions 1 and 2)`,
    );
  if (sealed[5] !== 0 || sealed[6] !== 0 || sealed[7] !== 0)
    return failure('invalid_payload', 'not a sealed delta: reserved header bytes are not zero');
  return {
    version,
    header: sealed.subarray(0, HEADER_BYTES),
    nonce: sealed.subarray(8, HEADER_BYTES),
    body: sealed.subarray(HEADER_BYTES),
  };
}
