// Candidate (a): the version-1 sealed format (nacl.box, XSalsa20-Poly1305) through libsodium's wasm build.
// crypto_box_easy is byte-identical to tweetnacl's nacl.box, so what this seals opens through openDelta's
// version-1 path (the bench checks that once).
import { randomBytes } from 'node:crypto';

import sodium from 'libsodium-wrappers';
import { frame, fromHex } from '@fedfuse/crypto';
import type { SealContext } from '@fedfuse/crypto';

await sodium.ready;

const V1_CONTEXT = 'fedfuse/sealed-delta/v1';
const HEADER = 32;

/** Seals version-1 messages from one site to one coordinator with libsodium (precomputed box key). */
export class SodiumBoxV1 {
  readonly #sharedKey: Uint8Array;

  constructor(
    private readonly keys: {
      siteBoxSecret: Uint8Array;
      siteBoxKey: Uint8Array;
      coordinatorBoxKey: Uint8Array;
    },
  ) {
    this.#sharedKey = sodium.crypto_box_beforenm(keys.coordinatorBoxKey, keys.siteBoxSecret);
  }

  /** Header | crypto_box_easy(frame(context, sender, recipient, site, round, stage, model, payload)). */
  seal(context: SealContext, payload: Uint8Array): Uint8Array {
    const { siteId, roundId, stage, modelHash } = context;
    const plain = frame([
      V1_CONTEXT,
      this.keys.siteBoxKey,
      this.keys.coordinatorBoxKey,
      siteId,
      roundId,
      stage,
      fromHex(modelHash),
      payload,
    ]);
    const nonce = randomBytes(24);
    const box = sodium.crypto_box_easy_afternm(plain, nonce, this.#sharedKey);
    const sealed = new Uint8Array(HEADER + box.length);
    sealed.set([0x46, 0x46, 0x53, 0x44, 1, 0, 0, 0], 0);
    sealed.set(nonce, 8);
    sealed.set(box, HEADER);
    return sealed;
  }

  /** crypto_box_open_easy only (the field checks after it cost microseconds). */
  open(sealed: Uint8Array): Uint8Array {
    return sodium.crypto_box_open_easy_afternm(
      sealed.subarray(HEADER),
      sealed.subarray(8, HEADER),
      this.#sharedKey,
    );
  }
}
