import nacl from 'tweetnacl';

import { equalBytes, frame, fromHex, toHex, unframe } from './bytes.ts';
import { isSha256Hex } from './hash.ts';
import type { Identity } from './identity.ts';
import { boxSecretOf } from './identity.ts';
import type { CryptoResult } from './result.ts';
import { failure, success } from './result.ts';
import { boxSharedKey } from './x25519.ts';

// Sealed layout: "FFSD" | u8 version | 3 zero bytes | 24-byte nonce | nacl.box ciphertext of
// frame(context, sender box key, recipient box key, siteId, roundId, stage, model hash, payload).
// nacl.box is not key-committing, so who sealed it, for whom, and for which round/stage/model all sit
// inside the authenticated plaintext and are checked on open.
const MAGIC = [0x46, 0x46, 0x53, 0x44]; // "FFSD"
const VERSION = 1;
const HEADER = 8 + nacl.box.nonceLength;
const CONTEXT = 'fedfuse/sealed-delta/v1';
const FIELDS = 8;
const utf8 = new TextEncoder();
type SealedFields = [
  Uint8Array,
  Uint8Array,
  Uint8Array,
  Uint8Array,
  Uint8Array,
  Uint8Array,
  Uint8Array,
  Uint8Array,
];

/** What a sealed message is bound to; opening checks every field. */
export interface SealContext {
  siteId: string;
  roundId: string;
  /** Round stage the message belongs to, e.g. `fit`; lower-case, at most 32 chars. */
  stage: string;
  /** SHA-256 (hex) of the global model the delta was computed from. */
  modelHash: string;
}

/** Identifies one sealed message: the same key twice is the same message (a retry), so handling is idempotent. */
export interface MessageKey {
  siteId: string;
  roundId: string;
  stage: string;
  /** Hex of the 24-byte box nonce. */
  nonce: string;
}

/** The message key as one string, e.g. for a unique database column. */
export function messageKeyString(key: MessageKey): string {
  return `${key.siteId}/${key.roundId}/${key.stage}/${key.nonce}`;
}

function checkContext(c: SealContext): void {
  if (!isSha256Hex(c.modelHash)) throw new TypeError('modelHash must be a lower-case hex SHA-256 digest');
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(c.stage)) throw new TypeError(`invalid stage "${c.stage}"`);
  for (const id of [c.siteId, c.roundId]) {
    if (id.length === 0 || id.length > 200) throw new TypeError('siteId and roundId must be 1-200 chars');
  }
}

/** Site: seal `payload` (an encoded weights delta) to the coordinator's X25519 key, bound to `context`. */
export function sealDelta(options: {
  site: Identity;
  coordinatorBoxKey: Uint8Array;
  context: SealContext;
  payload: Uint8Array;
}): { sealed: Uint8Array; key: MessageKey } {
  const { site, coordinatorBoxKey, context } = options;
  checkContext(context);
  const plain = frame([
    CONTEXT,
    site.boxPublicKey,
    coordinatorBoxKey,
    context.siteId,
    context.roundId,
    context.stage,
    fromHex(context.modelHash),
    options.payload,
  ]);
  const shared = boxSharedKey(boxSecretOf(site), coordinatorBoxKey);
  const nonce = nacl.randomBytes(nacl.box.nonceLength);
  const box = nacl.box.after(plain, nonce, shared);
  shared.fill(0);
  plain.fill(0);
  const sealed = new Uint8Array(HEADER + box.length);
  sealed.set(MAGIC, 0);
  sealed[4] = VERSION;
  sealed.set(nonce, 8);
  sealed.set(box, HEADER);
  const key = { siteId: context.siteId, roundId: context.roundId, stage: context.stage, nonce: toHex(nonce) };
  return { sealed, key };
}

/** The box nonce of a sealed message (unauthenticated until opened), or undefined if it is not one. */
export function sealedNonce(sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < HEADER + nacl.box.overheadLength) return undefined;
  if (MAGIC.some((m, i) => sealed[i] !== m) || sealed[4] !== VERSION) return undefined;
  if (sealed[5] !== 0 || sealed[6] !== 0 || sealed[7] !== 0) return undefined;
  return sealed.slice(8, HEADER);
}

/**
 * Coordinator: open a sealed delta from the site whose box key is `siteBoxKey`, and check it was sealed by
 * that site, for this coordinator, for exactly the expected site, round, stage and model.
 */
export function openDelta(options: {
  coordinator: Identity;
  siteBoxKey: Uint8Array;
  expected: SealContext;
  sealed: Uint8Array;
}): CryptoResult<{ payload: Uint8Array; key: MessageKey }> {
  const { coordinator, siteBoxKey, expected, sealed } = options;
  const nonce = sealedNonce(sealed);
  if (!nonce) return failure('invalid_payload', 'not a sealed delta (bad header, version or length)');
  let shared: Uint8Array;
  try {
    checkContext(expected);
    shared = boxSharedKey(boxSecretOf(coordinator), siteBoxKey);
  } catch (err) {
    return failure('invalid_payload', (err as Error).message);
  }
  const plain = nacl.box.open.after(sealed.subarray(HEADER), nonce, shared);
  shared.fill(0);
  if (!plain)
    return failure(
      'bad_signature',
      'sealed delta does not open with these keys (wrong site or coordinator key, or tampered)',
    );
  const f = unframe(plain, FIELDS);
  if (!f) return failure('invalid_payload', 'sealed delta plaintext is malformed');
  const [context, sender, recipient, siteId, roundId, stage, modelHash, payload] = f as SealedFields;
  if (!equalBytes(context, utf8.encode(CONTEXT)))
    return failure('invalid_payload', 'sealed delta has an unknown context');
  if (!equalBytes(sender, siteBoxKey) || !equalBytes(recipient, coordinator.boxPublicKey)) {
    return failure('bad_signature', 'sealed delta names another sender or recipient key');
  }
  const mismatch = compare(expected, { siteId, roundId, stage, modelHash });
  if (mismatch) return mismatch;
  const key = {
    siteId: expected.siteId,
    roundId: expected.roundId,
    stage: expected.stage,
    nonce: toHex(nonce),
  };
  return success({ payload, key });
}

function compare(
  expected: SealContext,
  found: { siteId: Uint8Array; roundId: Uint8Array; stage: Uint8Array; modelHash: Uint8Array },
): ReturnType<typeof failure> | undefined {
  const decoder = new TextDecoder();
  if (!equalBytes(found.siteId, utf8.encode(expected.siteId))) {
    return failure(
      'unauthenticated',
      `sealed delta is from site ${decoder.decode(found.siteId)}, not ${expected.siteId}`,
    );
  }
  if (!equalBytes(found.roundId, utf8.encode(expected.roundId))) {
    return failure(
      'wrong_round',
      `sealed delta is for round ${decoder.decode(found.roundId)}, not ${expected.roundId}`,
    );
  }
  if (!equalBytes(found.stage, utf8.encode(expected.stage))) {
    return failure(
      'wrong_stage',
      `sealed delta is for stage ${decoder.decode(found.stage)}, not ${expected.stage}`,
    );
  }
  if (!equalBytes(found.modelHash, fromHex(expected.modelHash))) {
    return failure(
      'wrong_model',
      `sealed delta was computed from model ${toHex(found.modelHash)}, not ${expected.modelHash}`,
    );
  }
  return undefined;
}
