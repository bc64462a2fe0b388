import { z } from 'zod';

/**
 * A run's secure aggregation (docs/secure-aggregation.md): the coordinator learns only the sum of the sites'
 * masked updates. The threshold and neighbour count are derived by `planSecAgg` from these numbers.
 */
export const SecureAggregationConfig = z.strictObject({
  /** Sites that may drop out after sharing keys while the round still completes. */
  toleratedDropouts: z.int().min(0).max(254),
  /** Sites that may collude with the coordinator without unmasking an honest site. */
  toleratedColluders: z.int().min(0).max(254).default(0),
  /** `complete`: every pair of sites masks (Bonawitz et al.); `sparse`: a Harary graph (SecAgg+). */
  graph: z.enum(['complete', 'sparse']).default('complete'),
});
export type SecureAggregationConfig = z.output<typeof SecureAggregationConfig>;

const SiteId = z.string().min(1).max(200);
const MAX_SECAGG_SITES = 255; // GF(2^8) Shamir: one share per non-zero byte

/** One enrolled site of a securely aggregated round and the Ed25519 identity key its messages are signed with. */
export const SecAggRosterEntry = z.strictObject({ siteId: SiteId, signingKey: z.base64().length(44) });
export type SecAggRosterEntry = z.infer<typeof SecAggRosterEntry>;

/** A half-open range of the flat weight vector. */
const IndexRange = z.strictObject({ offset: z.int().min(0), length: z.int().min(1) });

/** The parameter groups (e.g. one per modality encoder) each averaged over its own example count. */
export const SecAggLayoutIns = z.strictObject({
  length: z.int().min(1),
  groups: z
    .array(
      z.strictObject({ name: z.string().min(1).max(200), ranges: z.array(IndexRange).min(1).max(10_000) }),
    )
    .min(1)
    .max(100),
});

/**
 * What a selected site needs to take part in a securely aggregated round (FitIns.privacy.secAgg): the plan's
 * numbers, which the site checks again with planSecAgg (so a coordinator cannot hand it an unsafe threshold),
 * the roster, and the layout its masked delta is quantised with.
 */
export const RoundSecAgg = z.strictObject({
  toleratedDropouts: z.int().min(0).max(254),
  toleratedColluders: z.int().min(0).max(254),
  graph: z.enum(['complete', 'sparse']),
  threshold: z.int().min(2).max(MAX_SECAGG_SITES),
  degree: z
    .int()
    .min(2)
    .max(MAX_SECAGG_SITES - 1),
  clip: z.number().positive().max(1e6),
  levelsLog2: z.int().min(1).max(31),
  maxExamples: z
    .int()
    .min(1)
    .max(2 ** 31),
  roster: z.array(SecAggRosterEntry).min(3).max(MAX_SECAGG_SITES),
  layout: SecAggLayoutIns,
});
export type RoundSecAgg = z.infer<typeof RoundSecAgg>;

/** Strategies that pick, sort or drop individual updates: under secure aggregation only the sum exists. */
const NEEDS_INDIVIDUAL_UPDATES: readonly string[] = ['fedmedian', 'trimmedmean', 'krum'];

interface SecureAggregationRun {
  strategy: { name: string };
  secureAggregation?: SecureAggregationConfig;
  maxUpdateNorm?: number;
  privacy: { dp?: { adaptive?: unknown } };
}

/**
 * Why a run's other settings cannot go with secure aggregation, or undefined: each of these needs to see
 * one site's update (or a fact about it) that the coordinator never sees when the updates arrive masked.
 */
export function secureAggregationConflict(config: SecureAggregationRun): string | undefined {
  if (config.secureAggregation === undefined) return;
  const { name } = config.strategy;
  if (NEEDS_INDIVIDUAL_UPDATES.includes(name))
    return `secureAggregation cannot be used with strategy ${name}: it needs the sites' individual updates, and the coordinator only learns their sum; use fedavg, fedprox or a server optimizer (fedadam, fedyogi, fedadagrad, fedavgm)`;
  if (config.maxUpdateNorm !== undefined)
    return `secureAggregation cannot be used with maxUpdateNorm: the coordinator cannot measure a masked update's norm; bound it at the sites with privacy.dp.clip, which they apply before masking`;
  if (config.privacy.dp?.adaptive !== undefined)
    return `secureAggregation cannot be used with privacy.dp.adaptive: adaptive clipping needs each site's "was my update clipped" bit, which would reveal a fact about one update; use a fixed privacy.dp.clip`;
  return undefined;
}

/**
 * The stages a site answers in a securely aggregated round (docs/secure-aggregation.md): advertise keys,
 * share keys, masked input, consistency signature, unmask.
 */
export const SECAGG_STAGES = ['advertise', 'share-keys', 'masked-input', 'consistency', 'unmask'] as const;
export type SecAggStage = (typeof SECAGG_STAGES)[number];
