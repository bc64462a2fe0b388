import type { SecureAggregationConfig } from '@fedfuse/protocol';
import { SecAggError, planSecAgg, type SecAggPlan } from '@fedfuse/secagg';

/**
 * The secure-aggregation plan for a round of `sites` sites, or the reason it cannot hold (planSecAgg's
 * refusal, naming the numbers). At run creation it is checked with minClients, the smallest round the run
 * can start: a larger round only raises the threshold's room for dropouts and colluders.
 */
export function planRoundSecAgg(
  config: SecureAggregationConfig,
  sites: number,
  quantisation?: { clip?: number; levelsLog2: number; maxExamples?: number },
): { ok: true; plan: SecAggPlan } | { ok: false; message: string } {
  try {
    return { ok: true, plan: planSecAgg({ sites, ...config, ...quantisation }) };
  } catch (error) {
    if (!(error instanceof SecAggError)) throw error;
    return { ok: false, message: `secureAggregation with ${sites} sites per round: ${error.message}` };
  }
}

const TWO_32 = 2 ** 32;
/** planSecAgg's own `maxExamples` default. */
const DEFAULT_MAX_EXAMPLES = 2 ** 20;

/**
 * How a round without DP quantises: as finely as its sites allow. The most levels whose sum over `sites`
 * stays inside 32 bits, and example counts scaled by the largest training count the selected sites reported
 * (a site is held to its report: F3), so that a small site's update is not rounded to a few steps. A site
 * that never reported leaves planSecAgg's default (2^20 examples).
 */
export function exactQuantisation(args: { sites: number; trainCounts: readonly (number | undefined)[] }): {
  levelsLog2: number;
  maxExamples?: number;
} {
  let levelsLog2 = Math.min(31, Math.floor(Math.log2((TWO_32 - 1) / args.sites)));
  while (args.sites * 2 ** levelsLog2 >= TWO_32) levelsLog2--;
  const counts = args.trainCounts;
  const known = counts.length > 0 && counts.every((n) => n !== undefined && n > 0);
  if (!known) return { levelsLog2 };
  // Never coarser than planSecAgg's default: a site reporting an absurd count cannot blur the others' updates.
  return { levelsLog2, maxExamples: Math.min(DEFAULT_MAX_EXAMPLES, Math.max(...(counts as number[]))) };
}
