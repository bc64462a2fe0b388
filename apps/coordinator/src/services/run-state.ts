import type { SiteRoundView } from '@fedfuse/protocol';
import { strategyFor } from '@fedfuse/strategy';
import type { ParameterLayout, Strategy } from '@fedfuse/strategy';
import type { ResolvedRunConfig } from '../run-config.ts';
import type { Round } from '../repositories/round.ts';

/** The run's strategy, from its configuration and its model's parameter groups. */
export function runStrategy(config: ResolvedRunConfig, layout: ParameterLayout): Strategy {
  return strategyFor({
    strategy: config.strategy,
    seed: config.seed,
    fraction: config.fraction,
    minClients: config.minClients,
    minAvailableClients: config.minAvailableClients,
    layout,
    proximalMu: config.local.proximalMu,
    evaluation: { bins: config.histogramBins, tasks: config.model.tasks },
  });
}

/** A round as one site sees it. */
export function siteRoundView(round: Round, context: { siteId: string; submitted: boolean }): SiteRoundView {
  const inEvaluation = round.stage === 'evaluate';
  return {
    roundId: round.id,
    roundNumber: round.number,
    stage: round.stage,
    deadline: (inEvaluation ? round.evaluationDeadlineAt : round.deadlineAt) ?? round.deadlineAt,
    selected: (inEvaluation ? round.evaluators : round.selectedSites).includes(context.siteId),
    submitted: context.submitted,
  };
}

/**
 * The seed a site trains a round with, from its stable key (see stableSiteKeys), not its random id: the same
 * for every attempt and every enrollment, so the same federation and run seed train the same weights.
 */
export function siteSeed(runSeed: number, round: number, siteKey: string): number {
  let h = (runSeed ^ Math.imul(round, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < siteKey.length; i++) h = Math.imul(h ^ siteKey.charCodeAt(i), 0x01000193) >>> 0;
  return h & 0x7fffffff;
}
