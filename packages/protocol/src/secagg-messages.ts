import { z } from 'zod';
import { FitRecordLevel } from './privacy.ts';
import { LossTerms } from './loss-terms.ts';
import { MetricRecord } from './primitives.ts';
import { TransferRef } from './transfer.ts';

// Every secure-aggregation message (docs/secure-aggregation.md) as plain data (strings, arrays, one Uint8Array), so a driver can carry it
// over socket.io or store it as it is. Lists are bounded by the 255 shares GF(2^8) Shamir allows.
const MAX_SITES = 255;
const Id = z.string().min(1).max(200);
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256 digest');
const Base64 = z.base64().max(1024);
const Ids = z.array(Id).max(MAX_SITES);

/** Stage 0, site → server → every site: the site's round keys, signed with its identity key. */
export const Advertisement = z.strictObject({
  siteId: Id,
  runId: Id,
  roundId: Id,
  modelHash: Sha256Hex,
  /** X25519 key the site's share bundles are encrypted with (Bonawitz's c). */
  shareKey: Base64,
  /** X25519 key its pairwise masks come from (Bonawitz's s). */
  maskKey: Base64,
  signature: Base64,
});
export type Advertisement = z.infer<typeof Advertisement>;

/** Stage 0 closed, server → sites: every advertisement it accepted. */
export const AdvertisedKeys = z.strictObject({
  roundId: Id,
  advertisements: z.array(Advertisement).max(MAX_SITES),
});
export type AdvertisedKeys = z.infer<typeof AdvertisedKeys>;

/** Stage 1, site → server: one encrypted share bundle per neighbour, and a commitment to the self-mask seed. */
export const ShareKeys = z.strictObject({
  siteId: Id,
  roundId: Id,
  sessionId: Sha256Hex,
  selfMaskCommitment: Sha256Hex,
  shares: z.array(z.strictObject({ to: Id, ciphertext: Base64 })).max(MAX_SITES),
});
export type ShareKeys = z.infer<typeof ShareKeys>;

/** Stage 1 closed, server → one site: the bundles addressed to it. */
export const ForwardedShares = z.strictObject({
  roundId: Id,
  sessionId: Sha256Hex,
  shares: z.array(z.strictObject({ from: Id, ciphertext: Base64 })).max(MAX_SITES),
});
export type ForwardedShares = z.infer<typeof ForwardedShares>;

/** Stage 2, site → server: the quantised update plus masks, as little-endian uint32 words. */
export const MaskedInput = z.strictObject({
  siteId: Id,
  roundId: Id,
  sessionId: Sha256Hex,
  masked: z.instanceof(Uint8Array),
});
export type MaskedInput = z.infer<typeof MaskedInput>;

/**
 * Stage 2 on the wire: the masked input's words sent before as a `delta:chunk` transfer (any model size), named
 * by its reference. Not sealed: the masks already hide the update from the coordinator.
 */
/**
 * What a site says of its training in a secure round, beside its masked input: what a plain round's FitRes
 * says (examples, final-epoch loss and its terms, fit metrics, record-level ε), never the update. It reveals
 * each site's training loss to the coordinator, as plain rounds do (docs/secure-aggregation.md).
 */
export const SecAggFitReport = z.strictObject({
  numExamples: z.int().positive(),
  metrics: MetricRecord,
  lossPerEpoch: z.array(z.number()).min(1).max(1000),
  lossTerms: LossTerms.optional(),
  recordLevel: FitRecordLevel.optional(),
});
export type SecAggFitReport = z.infer<typeof SecAggFitReport>;

export const MaskedInputRef = z.strictObject({
  siteId: Id,
  roundId: Id,
  sessionId: Sha256Hex,
  transfer: TransferRef,
  /** Absent from sites older than the report: the round then has no training loss. */
  fit: SecAggFitReport.optional(),
});
export type MaskedInputRef = z.infer<typeof MaskedInputRef>;

/** Stage 3a, server → surviving sites: who it says sent a masked input. */
export const ConsistencyCheck = z.strictObject({ roundId: Id, sessionId: Sha256Hex, survivors: Ids });
export type ConsistencyCheck = z.infer<typeof ConsistencyCheck>;

/** Stage 3a, site → server: its signature over that list. */
export const ConsistencySignature = z.strictObject({
  siteId: Id,
  roundId: Id,
  sessionId: Sha256Hex,
  signature: Base64,
});
export type ConsistencySignature = z.infer<typeof ConsistencySignature>;

/** Stage 3b, server → one site: the signed survivor list, and which of its neighbours to treat as alive or dropped. */
export const UnmaskRequest = z.strictObject({
  roundId: Id,
  sessionId: Sha256Hex,
  survivors: Ids,
  signatures: z.array(z.strictObject({ siteId: Id, signature: Base64 })).max(MAX_SITES),
  alive: Ids,
  dropped: Ids,
});
export type UnmaskRequest = z.infer<typeof UnmaskRequest>;

const RevealedShare = z.strictObject({ of: Id, share: Base64 });

/** Stage 3b, site → server: a self-mask share per alive neighbour, a mask-key share per dropped one. */
export const UnmaskResponse = z.strictObject({
  siteId: Id,
  roundId: Id,
  sessionId: Sha256Hex,
  selfMaskShares: z.array(RevealedShare).max(MAX_SITES),
  maskKeyShares: z.array(RevealedShare).max(MAX_SITES),
});
export type UnmaskResponse = z.infer<typeof UnmaskResponse>;

/** site → coordinator (`secagg:submit`): a site's answer to one stage. */
export const SecAggSubmission = z.discriminatedUnion('stage', [
  z.strictObject({ roundId: z.uuid(), stage: z.literal('advertise'), message: Advertisement }),
  z.strictObject({ roundId: z.uuid(), stage: z.literal('share-keys'), message: ShareKeys }),
  z.strictObject({ roundId: z.uuid(), stage: z.literal('masked-input'), message: MaskedInputRef }),
  z.strictObject({ roundId: z.uuid(), stage: z.literal('consistency'), message: ConsistencySignature }),
  z.strictObject({ roundId: z.uuid(), stage: z.literal('unmask'), message: UnmaskResponse }),
]);
export type SecAggSubmission = z.infer<typeof SecAggSubmission>;

/** coordinator → site (`secagg:request`): a closed stage's output, the input to the stage it names. */
export const SecAggRequest = z.discriminatedUnion('stage', [
  z.strictObject({ roundId: z.uuid(), stage: z.literal('share-keys'), message: AdvertisedKeys }),
  z.strictObject({ roundId: z.uuid(), stage: z.literal('masked-input'), message: ForwardedShares }),
  z.strictObject({ roundId: z.uuid(), stage: z.literal('consistency'), message: ConsistencyCheck }),
  z.strictObject({ roundId: z.uuid(), stage: z.literal('unmask'), message: UnmaskRequest }),
]);
export type SecAggRequest = z.infer<typeof SecAggRequest>;
