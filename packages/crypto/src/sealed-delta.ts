import { equalBytes, frame, fromHex, toHex } from './bytes.ts';
import { isSha256Hex } from './hash.ts';
import type { Identity } from './identity.ts';
import { boxSecretOf } from './identity.ts';
import type { CryptoResult } from './result.ts';
import { failure, success } from './result.ts';
import { SEALED_V1, readHeader } from './sealed-header.ts';
import { openV1 } from './sealed-v1.ts';
import { openV2, sealV2 } from './sealed-v2.ts';
import type { PayloadWriter } from './sealed-v2.ts';

export type { PayloadWriter } from './sealed-v2.ts';
import { boxSharedKey, x25519 } from './x25519.ts';

// A sealed delta is bound to who sealed it, for whom, and for which site, round, stage and model; opening
// checks each and names the one that differs. New seals are version 2 (sealed-v2.ts: X25519 → HKDF-SHA256
// → AES-256-GCM through OpenSSL); version 1 (sealed-v1.ts: tweetnacl's nacl.box) still opens for one release.
const utf8 = new TextEncoder();

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
  /** Hex of the 24-byte header nonce (random per seal, in every version). */
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

function boundFields(c: SealContext): Uint8Array {
  return frame([c.siteId, c.roundId, c.stage, fromHex(c.modelHash)]);
}

/**
 * Site: seal `payload` (an encoded weights delta) to the coordinator's X25519 key, bound to `context`. A
 * PayloadWriter encodes the delta straight into the sealed buffer, where it is encrypted in place: no
 * payload-sized plaintext buffer to allocate, and none to wipe afterwards.
 */
export function sealDelta(options: {
  site: Identity;
  coordinatorBoxKey: Uint8Array;
  context: SealContext;
  payload: Uint8Array | PayloadWriter;
}): { sealed: Uint8Array; key: MessageKey } {
  const { site, coordinatorBoxKey, context } = options;
  checkContext(context);
  const shared = x25519(boxSecretOf(site), coordinatorBoxKey);
  const parties = { shared, sender: site.boxPublicKey, recipient: coordinatorBoxKey };
  let sealed: ReturnType<typeof sealV2>;
  try {
    sealed = sealV2({ parties, bound: boundFields(context), payload: options.payload });
  } finally {
    shared.fill(0);
  }
  const { siteId, roundId, stage } = context;
  return { sealed: sealed.sealed, key: { siteId, roundId, stage, nonce: toHex(sealed.nonce) } };
}

/** The header nonce of a sealed message (unauthenticated until opened), or undefined if it is not one. */
export function sealedNonce(sealed: Uint8Array): Uint8Array | undefined {
  const parsed = readHeader(sealed);
  return 'error' in parsed ? undefined : parsed.nonce.slice();
}

/**
 * Coordinator: open a sealed delta from the site whose box key is `siteBoxKey`, and check it was sealed by
 * that site, for this coordinator, for exactly the expected site, round, stage and model. `sealed` is only
 * read, so a Buffer or a subarray of a bigger one opens without a copy; the payload is a view of the
 * decrypted bytes. With `inPlace` (version 2) the caller hands `sealed` over: it is decrypted where it lies
 * (no delta-sized allocation), the payload is a view into it, and it is zeroed if opening fails.
 */
export function openDelta(options: {
  coordinator: Identity;
  siteBoxKey: Uint8Array;
  expected: SealContext;
  sealed: Uint8Array;
  inPlace?: boolean;
}): CryptoResult<{ payload: Uint8Array; key: MessageKey }> {
  const { coordinator, siteBoxKey, expected, inPlace = false } = options;
  const parsed = readHeader(options.sealed);
  if ('error' in parsed) return parsed;
  let secret: Uint8Array;
  try {
    checkContext(expected);
    secret =
      parsed.version === SEALED_V1
        ? boxSharedKey(boxSecretOf(coordinator), siteBoxKey)
        : x25519(boxSecretOf(coordinator), siteBoxKey);
  } catch (err) {
    return failure('invalid_payload', (err as Error).message);
  }
  const parties = { sender: siteBoxKey, recipient: coordinator.boxPublicKey };
  let opened: ReturnType<typeof openV2>;
  try {
    opened =
      parsed.version === SEALED_V1
        ? openV1({ boxKey: secret, ...parties, parsed })
        : openV2({ shared: secret, ...parties }, { ...parsed, inPlace });
  } finally {
    secret.fill(0);
  }
  const result = checkOpened(expected, opened, parsed.nonce);
  // A failure after decryption in place would leave plaintext in the caller's buffer.
  if (!result.ok && inPlace) options.sealed.fill(0);
  return result;
}

function checkOpened(
  expected: SealContext,
  opened: ReturnType<typeof openV2>,
  nonce: Uint8Array,
): CryptoResult<{ payload: Uint8Array; key: MessageKey }> {
  if (!opened.ok) return opened;
  const [siteId, roundId, stage, modelHash] = opened.data.fields as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  const mismatch = compare(expected, { siteId, roundId, stage, modelHash });
  if (mismatch) return mismatch;
  const key = {
    siteId: expected.siteId,
    roundId: expected.roundId,
    stage: expected.stage,
    nonce: toHex(nonce),
  };
  return success({ payload: opened.data.payload, key });
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
