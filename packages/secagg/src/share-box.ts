import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

import { equalBytes, frame, toBase64, unframe } from '@fedfuse/crypto';

import { decodeBase64 } from './bytes.ts';
import { SecAggError, check } from './errors.ts';

// One share bundle per (sender, recipient) and session, encrypted under
//   key ‖ iv = HKDF-SHA256(X25519(sender c, recipient c), salt = session id, info = frame(CONTEXT, from, to, run, round))
// with AES-256-GCM and the same info as AAD. The key is unique per direction and session and seals one
// message, so the derived IV never repeats; GCM is not key-committing, so the bound fields sit inside too.
const CONTEXT = 'fedfuse/secagg/share-keys/v1';
const STAGE = 'share-keys';
const TAG_BYTES = 16;
/** A GF(2^8) share of a 32-byte secret: the secret's length plus one x-coordinate byte. */
export const SHARE_BYTES = 33;

/** Who a bundle is from and to, and where it belongs. */
export interface ShareBoxParties {
  shared: Uint8Array;
  sessionId: Uint8Array;
  runId: string;
  roundId: string;
  from: string;
  to: string;
}

/** The two shares a site hands one neighbour. */
export interface ShareBundle {
  maskKeyShare: Uint8Array;
  selfMaskShare: Uint8Array;
}

function keyOf(p: ShareBoxParties): { key: Uint8Array; iv: Uint8Array; aad: Uint8Array } {
  const aad = frame([CONTEXT, p.from, p.to, p.runId, p.roundId]);
  const okm = new Uint8Array(hkdfSync('sha256', p.shared, p.sessionId, aad, 44));
  return { key: okm.subarray(0, 32), iv: okm.subarray(32), aad };
}

const utf8 = new TextEncoder();

function bound(p: ShareBoxParties): Uint8Array[] {
  return [...[p.from, p.to, p.runId, p.roundId, STAGE].map((field) => utf8.encode(field)), p.sessionId];
}

/** Encrypt `bundle` from `p.from` to `p.to`; base64 of ciphertext ‖ tag. */
export function sealShareBundle(p: ShareBoxParties, bundle: ShareBundle): string {
  const { key, iv, aad } = keyOf(p);
  const plain = frame([...bound(p), bundle.maskKeyShare, bundle.selfMaskShare]);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  plain.fill(0);
  key.fill(0);
  return toBase64(sealed);
}

/** Decrypt a bundle and check it names these parties, run, round, stage and session; `bad_signature` if it does not open. */
export function openShareBundle(p: ShareBoxParties, ciphertext: string): ShareBundle {
  const length = frame(bound(p)).length + 2 * (4 + SHARE_BYTES) + TAG_BYTES;
  const sealed = decodeBase64(ciphertext, length, `share bundle from ${p.from}`);
  const { key, iv, aad } = keyOf(p);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    plain.fill(0);
    throw new SecAggError(
      'bad_signature',
      `share bundle from ${p.from} does not open for ${p.to} in this session (wrong keys, tampered, or from another round)`,
    );
  } finally {
    key.fill(0);
  }
  const fields = unframe(new Uint8Array(plain), 8);
  check(fields !== undefined, 'invalid_payload', () => `share bundle from ${p.from} is malformed`);
  const expected = bound(p);
  expected.forEach((field, i) =>
    check(
      equalBytes(field, fields[i]!),
      'wrong_stage',
      () => `share bundle from ${p.from} is bound to other parties, round or stage`,
    ),
  );
  return { maskKeyShare: fields[6]!, selfMaskShare: fields[7]! };
}
