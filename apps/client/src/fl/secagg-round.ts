import { fromBase64 } from '@fedfuse/crypto';
import type { FitIns } from '@fedfuse/protocol';
import type { SecAggRound } from '@fedfuse/secagg';
import { SecAggError, planSecAgg } from '@fedfuse/secagg';
import { secureDpNoise } from './secagg-dp.ts';

/**
 * The secure-aggregation round a `round:start` asks this site to join, with the coordinator's numbers
 * checked again by planSecAgg (so an unsafe threshold is refused here, not trusted), or why it cannot join.
 */
export function secAggRoundOf(
  ins: FitIns,
  siteId: string,
): { ok: true; round: SecAggRound } | { ok: false; message: string } {
  const secAgg = ins.privacy?.secAgg;
  if (!secAgg) return { ok: false, message: 'the round is not securely aggregated' };
  const sites = secAgg.roster.length;
  if (!secAgg.roster.some((entry) => entry.siteId === siteId))
    return { ok: false, message: `this site (${siteId}) is not on the round's secure-aggregation roster` };
  if (sites !== ins.privacy!.selectedSites)
    return {
      ok: false,
      message: `the roster names ${sites} sites, the round selected ${ins.privacy!.selectedSites}`,
    };
  try {
    const plan = planSecAgg({
      sites,
      threshold: secAgg.threshold,
      toleratedDropouts: secAgg.toleratedDropouts,
      toleratedColluders: secAgg.toleratedColluders,
      graph: secAgg.graph,
      degree: secAgg.graph === 'sparse' ? secAgg.degree : undefined,
      clip: secAgg.clip,
      levelsLog2: secAgg.levelsLog2,
      maxExamples: secAgg.maxExamples,
    });
    if (plan.degree !== secAgg.degree)
      return {
        ok: false,
        message: `degree ${secAgg.degree} is not the ${plan.degree} of a ${plan.graph} graph`,
      };
    const roster = new Map(secAgg.roster.map((e) => [e.siteId, fromBase64(e.signingKey, 32, 'signingKey')]));
    if (roster.size !== sites) return { ok: false, message: 'the roster names a site twice' };
    // A DP round's noise must fit the 32-bit sum: checked here from the plan, never taken on trust.
    const dp = secureDpNoise(ins);
    if (dp && !dp.ok) return { ok: false, message: `secure aggregation with DP: ${dp.message}` };
    const round = {
      runId: ins.runId,
      roundId: ins.roundId,
      modelHash: ins.model.modelHash,
      plan,
      layout: secAgg.layout,
      roster,
    };
    return { ok: true, round };
  } catch (error) {
    if (error instanceof SecAggError || error instanceof TypeError)
      return { ok: false, message: `secure aggregation: ${error.message}` };
    throw error;
  }
}
