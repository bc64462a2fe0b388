// Version 1 of the sealed-delta format, kept only to OPEN messages sealed by the previous release (a site
// that sealed before upgrading, a pending upload on disk); remove after one release. Layout: header |
// nacl.box (XSalsa20-Poly1305) of frame(CONTEXT, sender box key, recipient box key, siteId, roundId,
// stage, model hash, payload), the box keyed with the header nonce.
import nacl from 'tweetnacl';

import { equalBytes, unframe } from './bytes.ts';
import type { CryptoResult } from './result.ts';
import { failure, success } from './result.ts';
import type { SealedHeader } from './sealed-header.ts';

const CONTEXT = new TextEncoder().encode('fedfuse/sealed-delta/v1');
const FIELDS = 8;

/**
 * Open a version-1 message with the nacl.box precomputed key `boxKey`, check its context, sender and
 * recipient, and return its bound fields (site, round, stage, model hash) and payload as views.
 */
export function openV1(options: {
  boxKey: Uint8Array;
  sender: Uint8Array;
  recipient: Uint8Array;
  parsed: SealedHeader;
}): CryptoResult<{ fields: Uint8Array[]; payload: Uint8Array }> {
  const { parsed } = options;
  const plain = nacl.box.open.after(parsed.body, parsed.nonce, options.boxKey);
  if (!plain)
    return failure(
      'bad_signature',
      'sealed delta does not open with these keys (wrong site or coordinator key, or tampered)',
    );
  const f = unframe(plain, FIELDS);
  if (!f) return failure('invalid_payload', 'sealed delta plaintext is malformed');
  const [context, sender, recipient, ...rest] = f as [Uint8Array, Uint8Array, Uint8Array, ...Uint8Array[]];
  if (!equalBytes(context, CONTEXT)) return failure('invalid_payload', 'sealed delta has an unknown context');
  if (!equalBytes(sender, options.sender) || !equalBytes(recipient, options.recipient))
    return failure('bad_signature', 'sealed delta names another sender or recipient key');
  return success({ fields: rest.slice(0, 4), payload: rest[4]! });
}
