import type { AccountedRound, RoundPrivacyIns } from '@fedfuse/protocol';
import { computeEpsilon } from '@fedfuse/privacy';

import type { PrivacyPolicy } from '../store/client-config.ts';
import type { RecordLevelCost } from './record-level-cost.ts';
import { secureDpNoise } from './secagg-dp.ts';

/** Why the site's policy refuses a round: the protocol's refusal code and a message for the operator. */
export interface PolicyRefusal {
  code: 'privacy_budget_exceeded' | 'secure_aggregation_required' | 'too_few_sites';
  message: string;
}

/** What a round would cost: the run's ε after it, and the rounds counted (null ε: the round is not private). */
export interface RoundCost {
  epsilon: number | null;
  delta: number | null;
  rounds: AccountedRound[];
}

/**
 * The run's ε after this round, from the instruction's parameters and the rounds this site recorded itself
 * (a round in either counts; the site's own record wins). The coordinator's ε is never used.
 */
export function roundCost(args: {
  privacy: RoundPrivacyIns | undefined;
  roundNumber: number;
  recorded: readonly AccountedRound[];
  recordedDelta?: number;
}): RoundCost {
  const dp = args.privacy?.dp;
  if (!dp) return { epsilon: null, delta: null, rounds: [] };
  const byRound = new Map<number, AccountedRound>();
  for (const r of dp.pastRounds) if (r.round < args.roundNumber) byRound.set(r.round, r);
  for (const r of args.recorded) if (r.round < args.roundNumber) byRound.set(r.round, r);
  byRound.set(args.roundNumber, thisRound(args.roundNumber, args.privacy!));
  const rounds = [...byRound.values()].sort((a, b) => a.round - b.round);
  const delta = args.recordedDelta ?? dp.delta;
  const gaussian = rounds.filter((r) => !r.skellam);
  const steps = gaussian.map(({ sampleRate, noiseMultiplier }) => ({
    sampleRate,
    noiseMultiplier,
    count: 1,
  }));
  const skellam = rounds.flatMap((r) => (r.skellam ? [{ ...r.skellam, count: 1 }] : []));
  return { epsilon: computeEpsilon({ steps, skellam, delta }).epsilon, delta, rounds };
}

/**
 * This round as the site accounts it. Under secure aggregation the noise comes from the sites (distributed
 * Skellam, no amplification: q = 1) and only the threshold's worth may survive, so that is what is counted.
 */
function thisRound(round: number, privacy: RoundPrivacyIns): AccountedRound {
  const dp = privacy.dp!;
  // The accountant counts the total z; the update's own noise must be at least that much.
  const z = Math.min(dp.accountedNoiseMultiplier, dp.noiseMultiplier);
  const secure = secureDpNoise({ privacy });
  if (secure?.ok) return { round, sampleRate: 1, noiseMultiplier: z, skellam: secure.noise.worstCase };
  return { round, sampleRate: dp.sampleRate, noiseMultiplier: z };
}

/**
 * The first rule of the site's policy the round breaks, or undefined when it may train. `maxEpsilon` holds
 * each ε the round has on its own: the client-level one (per hospital) and the record-level one (per patient).
 */
export function policyRefusal(args: {
  policy: PrivacyPolicy;
  privacy: RoundPrivacyIns | undefined;
  cost: RoundCost;
  recordLevel?: RecordLevelCost | null;
}): PolicyRefusal | undefined {
  const { policy, privacy, cost } = args;
  const record = args.recordLevel ?? null;
  if (policy.requireSecureAggregation && !privacy?.secAgg)
    return {
      code: 'secure_aggregation_required',
      message:
        'this site requires secure aggregation (client.yaml privacy.requireSecureAggregation) and the round is not securely aggregated (its run has no secureAggregation option)',
    };
  const fewSites = policy.minSites === undefined ? undefined : minSitesRefusal(policy.minSites, privacy);
  if (fewSites) return fewSites;
  if (policy.maxEpsilon !== undefined) {
    if (cost.epsilon === null && record === null)
      return {
        code: 'privacy_budget_exceeded',
        message: `this site accepts at most ε = ${policy.maxEpsilon} per run (client.yaml privacy.maxEpsilon) and the run is not differentially private (ε unbounded)`,
      };
    if (cost.epsilon !== null && cost.epsilon > policy.maxEpsilon)
      return {
        code: 'privacy_budget_exceeded',
        message: `this round would take the run to ε = ${cost.epsilon.toFixed(3)} (δ = ${cost.delta}, ${cost.rounds.length} rounds), past this site's maxEpsilon ${policy.maxEpsilon} (client.yaml privacy.maxEpsilon)`,
      };
    if (record !== null && record.epsilon > policy.maxEpsilon)
      return {
        code: 'privacy_budget_exceeded',
        message: `this round's record-level DP-SGD would take this site's patients to ε = ${record.epsilon.toFixed(3)} (δ = ${record.delta.toExponential(2)}, ${record.epochs} epochs in the run), past this site's maxEpsilon ${policy.maxEpsilon} (client.yaml privacy.maxEpsilon)`,
      };
  }
  return undefined;
}

/**
 * The fewest sites whose updates the coordinator may see combined, against the site's minSites: the run's
 * minClients and the selection, and under secure aggregation the threshold (the smallest sum it can unmask).
 */
function minSitesRefusal(minSites: number, privacy: RoundPrivacyIns | undefined): PolicyRefusal | undefined {
  const rule = `this site requires at least ${minSites} sites per round (client.yaml privacy.minSites)`;
  if (!privacy)
    return {
      code: 'too_few_sites',
      message: `${rule} and the coordinator does not say how many it aggregates`,
    };
  if (privacy.minSites < minSites || privacy.selectedSites < minSites)
    return {
      code: 'too_few_sites',
      message: `${rule}; the round selected ${privacy.selectedSites} and may be aggregated with as few as ${privacy.minSites} (the run's minClients)`,
    };
  if (privacy.secAgg && privacy.secAgg.threshold < minSites)
    return {
      code: 'too_few_sites',
      message: `${rule}; the round's secure aggregation unmasks the sum of as few as ${privacy.secAgg.threshold} sites (its threshold)`,
    };
  return undefined;
}
