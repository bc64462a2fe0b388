import { frame, fromHex, isLowOrderPoint, sha256, toBase64, toHex, verifyEd25519 } from '@fedfuse/crypto';
import type { Identity } from '@fedfuse/crypto';

import { decodeBase64 } from './bytes.ts';
import { check } from './errors.ts';
import type { Advertisement, AdvertisedKeys } from './messages.ts';
import type { SecAggRound } from './round.ts';
import { checkDistinct, checkRoundId } from './round.ts';

const ADVERTISE = 'fedfuse/secagg/advertise/v1';
const SESSION = 'fedfuse/secagg/session/v1';

/** A site's verified round keys. */
export interface SiteKeys {
  shareKey: Uint8Array;
  maskKey: Uint8Array;
}

function signedBytes(
  a: Pick<Advertisement, 'siteId' | 'runId' | 'roundId' | 'modelHash'>,
  keys: SiteKeys,
): Uint8Array {
  return frame([ADVERTISE, a.runId, a.roundId, fromHex(a.modelHash), a.siteId, keys.shareKey, keys.maskKey]);
}

/** Site: its advertisement of this round's keys, signed with its identity key. */
export function signAdvertisement(args: {
  round: SecAggRound;
  identity: Identity;
  /** The roster's id of the site. */
  siteId: string;
  keys: SiteKeys;
}): Advertisement {
  const { round, identity, keys } = args;
  const fields = {
    siteId: args.siteId,
    runId: round.runId,
    roundId: round.roundId,
    modelHash: round.modelHash,
  };
  const signature = identity.sign(signedBytes(fields, keys));
  return {
    ...fields,
    shareKey: toBase64(keys.shareKey),
    maskKey: toBase64(keys.maskKey),
    signature: toBase64(signature),
  };
}

/**
 * Check one advertisement: a roster site, its identity key's signature, this run, round and model, and keys
 * that are not low-order points (whose shared secrets everyone knows). Returns the decoded keys.
 */
export function verifyAdvertisement(round: SecAggRound, a: Advertisement): SiteKeys {
  const signingKey = round.roster.get(a.siteId);
  check(
    signingKey !== undefined,
    'unknown_site',
    () => `advertisement from ${a.siteId}, which is not in the roster`,
  );
  const keys = {
    shareKey: decodeBase64(a.shareKey, 32, `${a.siteId}'s shareKey`),
    maskKey: decodeBase64(a.maskKey, 32, `${a.siteId}'s maskKey`),
  };
  const signature = decodeBase64(a.signature, 64, `${a.siteId}'s signature`);
  check(
    verifyEd25519(signedBytes(a, keys), signature, signingKey),
    'bad_signature',
    () => `advertisement of ${a.siteId} is not signed by its identity key`,
  );
  check(
    a.runId === round.runId,
    'wrong_run',
    () => `advertisement of ${a.siteId} is for run ${a.runId}, not ${round.runId}`,
  );
  checkRoundId(round, a.roundId, `advertisement of ${a.siteId}`);
  check(
    a.modelHash === round.modelHash,
    'wrong_model',
    () => `advertisement of ${a.siteId} names model ${a.modelHash}, not ${round.modelHash}`,
  );
  for (const [name, key] of Object.entries(keys))
    check(!isLowOrderPoint(key), 'low_order_key', () => `${a.siteId}'s ${name} is a low-order X25519 point`);
  return keys;
}

/**
 * Site: check every forwarded advertisement (each as verifyAdvertisement, no site or key twice, at least
 * `threshold` of them, its own among them unchanged). Returns the keys by site id, sorted.
 */
export function verifyAdvertisedKeys(args: {
  round: SecAggRound;
  message: AdvertisedKeys;
  own: Advertisement;
  threshold: number;
}): Map<string, SiteKeys> {
  const { round, message } = args;
  checkRoundId(round, message.roundId, 'advertised keys');
  const ads = [...message.advertisements].sort((a, b) => (a.siteId < b.siteId ? -1 : 1));
  checkDistinct(
    ads.map((a) => a.siteId),
    'advertised keys',
  );
  const keys = new Map(ads.map((a) => [a.siteId, verifyAdvertisement(round, a)]));
  const all = [...keys.values()].flatMap((k) => [toHex(k.shareKey), toHex(k.maskKey)]);
  checkDistinct(all, 'advertised keys (a key)');
  check(
    keys.size >= args.threshold,
    'below_threshold',
    () => `${keys.size} sites advertised keys, fewer than the threshold ${args.threshold}`,
  );
  const mine = ads.find((a) => a.siteId === args.own.siteId);
  const same = mine !== undefined && mine.shareKey === args.own.shareKey && mine.maskKey === args.own.maskKey;
  check(
    same,
    'inconsistent_lists',
    () => `advertised keys ${mine ? 'change' : 'leave out'} this site's own keys`,
  );
  return keys;
}

/** SHA-256 over the run, round, model and every advertised key in site order: the session every later message is bound to. */
export function sessionIdOf(round: SecAggRound, keys: ReadonlyMap<string, SiteKeys>): Uint8Array {
  const ids = [...keys.keys()].sort();
  const fields = ids.flatMap((id) => [id, keys.get(id)!.shareKey, keys.get(id)!.maskKey]);
  return sha256(frame([SESSION, round.runId, round.roundId, fromHex(round.modelHash), ...fields]));
}
