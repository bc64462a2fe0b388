// The two candidates for sealing at the machine's speed, measured side by side on the same bytes:
// (a) the version-1 box format through libsodium, (b) version 2 (X25519 → HKDF → AES-256-GCM, OpenSSL),
// plus today's tweetnacl path and the bare AEADs and copies, to show where the time goes.
import { createCipheriv, randomBytes } from 'node:crypto';

import { openDelta, sealDelta } from '@fedfuse/crypto';
import type { Identity, SealContext } from '@fedfuse/crypto';
import { SodiumBoxV1 } from './libsodium-box.ts';
import type { Measurement } from './timing.ts';
import { measure } from './timing.ts';

/** What the candidates seal: one encoded delta between one site and the coordinator. */
export interface CandidateArgs {
  site: Identity;
  siteBoxSecret: Uint8Array;
  coordinator: Identity;
  context: SealContext;
  payload: Uint8Array;
  reps: number;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench self-check failed: ${what}`);
}

function aeadAlone(cipher: 'aes-256-gcm' | 'chacha20-poly1305', payload: Uint8Array): () => void {
  const key = randomBytes(32);
  return () => {
    const iv = randomBytes(12);
    const c =
      cipher === 'aes-256-gcm'
        ? createCipheriv(cipher, key, iv)
        : createCipheriv(cipher, key, iv, { authTagLength: 16 });
    c.update(payload);
    c.final();
    c.getAuthTag();
  };
}

/** Rows for every candidate, with a self-check that each one's output opens to the same payload. */
export async function candidateRows(args: CandidateArgs): Promise<Measurement[]> {
  const { site, coordinator, context, payload, reps } = args;
  const bytes = payload.byteLength;
  const sodiumBox = new SodiumBoxV1({
    siteBoxSecret: args.siteBoxSecret,
    siteBoxKey: site.boxPublicKey,
    coordinatorBoxKey: coordinator.boxPublicKey,
  });
  const sealV2 = () =>
    sealDelta({ site, coordinatorBoxKey: coordinator.boxPublicKey, context, payload }).sealed;
  const open = (sealed: Uint8Array, inPlace = false) =>
    openDelta({ coordinator, siteBoxKey: site.boxPublicKey, expected: context, sealed, inPlace });
  const v2 = sealV2();
  const v1 = sodiumBox.seal(context, payload);
  const expected = Buffer.from(payload);
  const same = (res: ReturnType<typeof open>) => res.ok && expected.equals(res.data.payload);
  check(v2[4] === 2 && same(open(v2)), 'version 2 round trip');
  const handedOver = new Uint8Array(v2.length);
  const openInPlace = () => {
    handedOver.set(v2); // in place consumes its input: refill it (one hot memcpy, counted)
    return open(handedOver, true);
  };
  check(same(openInPlace()), 'version 2 round trip in place');
  check(v1[4] === 1 && same(open(v1)), 'libsodium-sealed version 1 opens through openDelta (tweetnacl)');
  check(Buffer.from(sodiumBox.open(v1)).includes(expected), 'libsodium opens its own box');

  const row = (label: string, fn: () => unknown) => measure({ label, bytes, reps, fn });
  return [
    await row('(b) v2 seal: X25519+HKDF, AES-256-GCM', sealV2),
    await row('(b) v2 open: AES-256-GCM + checks', () => open(v2)),
    await row('(b) v2 open in place (+ refill memcpy)', openInPlace),
    await row('(a) v1 seal: libsodium crypto_box_easy', () => sodiumBox.seal(context, payload)),
    await row('(a) v1 open: libsodium (crypto only)', () => sodiumBox.open(v1)),
    await row('v1 open: tweetnacl (release-1 path)', () => open(v1)),
    await row('AES-256-GCM alone (node:crypto)', aeadAlone('aes-256-gcm', payload)),
    await row('ChaCha20-Poly1305 alone (node:crypto)', aeadAlone('chacha20-poly1305', payload)),
    await row('one copy of the payload (new buffer)', () => new Uint8Array(payload)),
  ];
}

/** Fixed cost of one v2 seal (X25519, HKDF, header) measured on an empty payload, in ms. */
export async function v2FixedCostMs(args: CandidateArgs): Promise<number> {
  const { site, coordinator, context } = args;
  const empty = new Uint8Array(0);
  const m = await measure({
    label: 'v2 seal, empty payload',
    bytes: 0,
    reps: 20,
    fn: () => sealDelta({ site, coordinatorBoxKey: coordinator.boxPublicKey, context, payload: empty }),
  });
  return m.ms;
}
