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
export const SecAggStage = z.enum(SECAGG_STAGES);
export type SecAggStage = z.infer<typeof SecAggStage>;

/**
 * One secure-aggregation message on `/fl`, in either direction. `message` is left opaque here: its schema is
 * `@fedfuse/secagg`'s for the stage (which depends on this package), and the receiver parses it with that.
 */
export const SecAggEnvelope = z.strictObject({
  roundId: z.uuid(),
  /** site → coordinator: the stage it answers; coordinator → site: the stage it asks the site to answer. */
  stage: SecAggStage,
  message: z.unknown(),
});
export type SecAggEnvelope = z.infer<typeof SecAggEnvelope>;
