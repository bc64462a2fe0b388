import type { RoundStage, SiteRoundView } from '@fedfuse/protocol';
import { strategyFor } from '@fedfuse/strategy';
import type { ParameterLayout, Strategy } from '@fedfuse/strategy';
import type { ResolvedRunConfig } from '../run-config.ts';
import { z } from 'zod';
import { parseColumn } from '../repositories/parse-column.ts';
import type { RoundRow } from '../repositories/rounds.repository.ts';

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

/** How the dashboard and sites name a round's phase. */
export function stageOf(round: RoundRow): RoundStage {
  switch (round.phase) {
    case 'training':
      return 'fit';
    case 'aggregation':
      return 'aggregating';
    case 'evaluation':
      return 'evaluate';
    case 'done':
      return 'committed';
    case 'failed':
      return 'cancelled';
  }
}

const SiteIds = z.array(z.string().min(1));

/** The sites selected to train the round (its JSON column, checked: a corrupt one names itself). */
export function selectedSites(round: RoundRow): string[] {
  return parseColumn(
    { table: 'rounds', id: round.id, column: 'selected_sites' },
    round.selected_sites,
    SiteIds,
  );
}

/** The sites asked to evaluate the round's committed model; none before the commit. */
export function evaluators(round: RoundRow): string[] {
  if (round.evaluators === null) return [];
  return parseColumn({ table: 'rounds', id: round.id, column: 'evaluators' }, round.evaluators, SiteIds);
}

/** A round as one site sees it. */
export function siteRoundView(
  round: RoundRow,
  context: { siteId: string; submitted: boolean },
): SiteRoundView {
  const inEvaluation = round.phase === 'evaluation';
  return {
    roundId: round.id,
    roundNumber: round.number,
    stage: stageOf(round),
    deadline: (inEvaluation ? round.evaluation_deadline_at : round.deadline_at) ?? round.deadline_at,
    selected: (inEvaluation ? evaluators(round) : selectedSites(round)).includes(context.siteId),
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
