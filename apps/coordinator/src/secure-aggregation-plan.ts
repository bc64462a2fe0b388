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
  quantisation?: { clip: number; levelsLog2: number },
): { ok: true; plan: SecAggPlan } | { ok: false; message: string } {
  try {
    return { ok: true, plan: planSecAgg({ sites, ...config, ...quantisation }) };
  } catch (error) {
    if (!(error instanceof SecAggError)) throw error;
    return { ok: false, message: `secureAggregation with ${sites} sites per round: ${error.message}` };
  }
}
