// Version 2 of the sealed-delta format: the bulk of the work is OpenSSL's AES-256-GCM (node:crypto;
// FIPS-capable, hardware AES), keyed per message from the X25519 exchange:
//   okm = HKDF-SHA256(ikm = X25519(sender, recipient), salt = 24-byte header nonce,
//                     info = frame(CONTEXT, sender box key, recipient box key))
//   key = okm[0..32), iv = okm[32..44)
//   sealed = header | AES-256-GCM(key, iv, aad = header ‖ info, frame(siteId, roundId, stage, model hash) ‖ payload) | tag
// Every message has its own key (the salt is 192 random bits), so no (key, iv) pair is ever reused by
// chance: after 2^64 messages between one site and the coordinator the chance of a repeat is below 2^-64.
// GCM is not key-committing: context, sender and recipient are in the key derivation and the AAD, and the
// round binding sits inside the ciphertext, so a message opens only for who, what and where it was sealed.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

import { frame, unframePrefix } from './bytes.ts';
import type { CryptoResult } from './result.ts';
import { failure, success } from './result.ts';
import { HEADER_BYTES, NONCE_BYTES, SEALED_V2, TAG_BYTES, writeHeader } from './sealed-header.ts';
import type { SealedHeader } from './sealed-header.ts';

const CONTEXT = 'fedfuse/sealed-delta/v2';
const CIPHER = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
// Encrypt in slices so each output is copied into the sealed buffer while still in cache, and the
// temporary output stays small whatever the delta size (under glibc's 128 KiB mmap threshold, so it is
// recycled heap, not fresh pages).
const SLICE_BYTES = 64 * 1024;
/** Number of bound fields framed at the start of the plaintext. */
const V2_BOUND_FIELDS = 4;

/** The two parties' X25519 shared secret and box keys: what a message key is derived from. */
export interface V2Parties {
  shared: Uint8Array;
  sender: Uint8Array;
  recipient: Uint8Array;
}

interface DerivedKey {
  key: Uint8Array;
  iv: Uint8Array;
  aad: Uint8Array;
  wipe: () => void;
}

function messageKey(parties: V2Parties, header: Uint8Array, nonce: Uint8Array): DerivedKey {
  const info = frame([CONTEXT, parties.sender, parties.recipient]);
  const okm = new Uint8Array(hkdfSync('sha256', parties.shared, nonce, info, KEY_BYTES + IV_BYTES));
  const aad = new Uint8Array(header.length + info.length);
  aad.set(header);
  aad.set(info, header.length);
  return {
    key: okm.subarray(0, KEY_BYTES),
    iv: okm.subarray(KEY_BYTES),
    aad,
    wipe: () => okm.fill(0),
  };
}

/** Run `input` through `cipher` into `out` from `out.at`, advancing it (`out` may be `input` itself). */
function updateInto(
  cipher: { update(data: Uint8Array): Buffer },
  input: Uint8Array,
  out: { bytes: Uint8Array; at: number },
): void {
  for (let from = 0; from < input.length; from += SLICE_BYTES) {
    const part = cipher.update(input.subarray(from, from + SLICE_BYTES));
    out.bytes.set(part, out.at);
    out.at += part.length;
  }
}

/**
 * A payload written straight into the sealed buffer (e.g. weights encoded there), so no payload-sized
 * plaintext buffer exists besides it: `write` fills exactly `byteLength` bytes of `into`.
 */
export interface PayloadWriter {
  byteLength: number;
  write(into: Uint8Array): void;
}

/**
 * Seal `bound` (framed bound fields) ‖ `payload` as a version-2 message; one output allocation. The plaintext
 * is laid out in that buffer first and encrypted where it lies, slice by slice, as openV2 decrypts in place.
 */
export function sealV2(options: {
  parties: V2Parties;
  bound: Uint8Array;
  payload: Uint8Array | PayloadWriter;
}): {
  sealed: Uint8Array;
  nonce: Uint8Array;
} {
  const { bound, payload } = options;
  const sealed = new Uint8Array(HEADER_BYTES + bound.length + payload.byteLength + TAG_BYTES);
  writeHeader(sealed, SEALED_V2, randomBytes(NONCE_BYTES));
  const header = sealed.subarray(0, HEADER_BYTES);
  const nonce = header.subarray(HEADER_BYTES - NONCE_BYTES);
  const plain = sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES);
  try {
    plain.set(bound);
    const payloadBytes = plain.subarray(bound.length);
    if (payload instanceof Uint8Array) payloadBytes.set(payload);
    else payload.write(payloadBytes);
    encryptInPlace(options.parties, { sealed, header, nonce });
    return { sealed, nonce };
  } catch (err) {
    plain.fill(0); // no plaintext left behind in a buffer nobody will send
    throw err;
  }
}

/** Encrypt the laid-out plaintext of `sealed` where it lies and append the tag. */
function encryptInPlace(
  parties: V2Parties,
  { sealed, header, nonce }: { sealed: Uint8Array; header: Uint8Array; nonce: Uint8Array },
): void {
  const plain = sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES);
  const k = messageKey(parties, header, nonce);
  try {
    const cipher = createCipheriv(CIPHER, k.key, k.iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(k.aad);
    const out = { bytes: plain, at: 0 };
    updateInto(cipher, plain, out);
    const rest = cipher.final(); // empty for GCM, a stream cipher: the output has the input's length
    sealed.set(rest, HEADER_BYTES + out.at);
    sealed.set(cipher.getAuthTag(), HEADER_BYTES + out.at + rest.length);
  } finally {
    k.wipe();
  }
}

/**
 * Open a version-2 message: authenticate and decrypt, then split the bound fields from the payload (views).
 * The input is only read unless `inPlace`, so a Buffer or a subarray of a bigger one opens without a copy;
 * with `inPlace` the plaintext overwrites the ciphertext in `body` and nothing delta-sized is allocated.
 */
export function openV2(
  parties: V2Parties,
  parsed: SealedHeader & { inPlace: boolean },
): CryptoResult<{ fields: Uint8Array[]; payload: Uint8Array }> {
  const ciphertext = parsed.body.subarray(0, parsed.body.length - TAG_BYTES);
  const k = messageKey(parties, parsed.header, parsed.nonce);
  let plain: Uint8Array;
  try {
    const decipher = createDecipheriv(CIPHER, k.key, k.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(k.aad);
    decipher.setAuthTag(parsed.body.subarray(ciphertext.length));
    if (parsed.inPlace) {
      updateInto(decipher, ciphertext, { bytes: ciphertext, at: 0 });
      plain = ciphertext;
    } else {
      const out = decipher.update(ciphertext);
      plain = new Uint8Array(out.buffer, out.byteOffset, out.length);
    }
    try {
      decipher.final();
    } catch {
      plain.fill(0); // unauthenticated plaintext is never handed out
      return failure(
        'bad_signature',
        'sealed delta does not open with these keys (wrong site or coordinator key, or tampered)',
      );
    }
  } finally {
    k.wipe();
  }
  const split = unframePrefix(plain, V2_BOUND_FIELDS);
  if (!split) return failure('invalid_payload', 'sealed delta plaintext is malformed');
  return success({ fields: split.fields, payload: split.rest });
}
