import { frame, fromBase64, fromHex, toBase64 } from './bytes.ts';
import { verifyEd25519 } from './ed25519.ts';
import { isSha256Hex } from './hash.ts';
import type { Identity } from './identity.ts';
import type { CryptoResult } from './result.ts';
import { failure, success } from './result.ts';

const CONTEXT = 'fedfuse/global-weights/v1';

/** What the coordinator vouches for when it sends a global model: this model, this layout, this round. */
export interface GlobalWeightsStatement {
  roundId: string;
  /** SHA-256 (hex) of the encoded weights. */
  modelHash: string;
  /** SHA-256 (hex) of the canonical manifest header. */
  manifestHash: string;
}

function message(s: GlobalWeightsStatement): Uint8Array {
  if (!isSha256Hex(s.modelHash) || !isSha256Hex(s.manifestHash)) {
    throw new TypeError('modelHash and manifestHash must be lower-case hex SHA-256 digests');
  }
  return frame([CONTEXT, s.roundId, fromHex(s.modelHash), fromHex(s.manifestHash)]);
}

/** Coordinator: sign (round id, model hash, manifest hash); returns the base64 signature. */
export function signGlobalWeights(options: { coordinator: Identity } & GlobalWeightsStatement): string {
  return toBase64(options.coordinator.sign(message(options)));
}

/** Site: check the global weights statement is signed by the pinned coordinator key. */
export function verifyGlobalWeights(
  options: { coordinatorKey: Uint8Array; signature: string } & GlobalWeightsStatement,
): CryptoResult {
  try {
    const signature = fromBase64(options.signature, 64, 'signature');
    if (!verifyEd25519(message(options), signature, options.coordinatorKey)) {
      return failure(
        'bad_signature',
        `global weights for round ${options.roundId} are not signed by the coordinator`,
      );
    }
    return success();
  } catch (err) {
    return failure(
      'invalid_payload',
      err instanceof Error ? err.message : 'malformed global weights statement',
    );
  }
}
