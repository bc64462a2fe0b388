import { Injectable } from '@nestjs/common';
import type { RoundPrivacy, RoundPrivacyIns, RoundSecAgg } from '@fedfuse/protocol';
import type { Round } from '../repositories/round.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import type { Run } from '../repositories/runs.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { planRoundPrivacy } from './dp-round.ts';
import type { CommittedPrivacy } from './dp-round.ts';

/** A DP run's rounds: each new round's parameters from the run's committed ones, and what sites are told. */
@Injectable()
export class RoundPrivacyService {
  constructor(
    private readonly rounds: RoundsRepository,
    private readonly sites: SitesRepository,
  ) {}

  /** The parameters of the run's next round, or null when the run is not private. */
  async plan(run: Run, selected: number): Promise<RoundPrivacy | null> {
    const dp = run.config.privacy.dp;
    if (!dp) return null;
    const approved = (await this.sites.list()).filter((s) => s.status === 'approved').length;
    return planRoundPrivacy({ dp, selected, approved, past: await this.committed(run.id) });
  }

  /** The run's committed DP rounds in order (their ε set), the accountant's history. */
  async committed(runId: string): Promise<CommittedPrivacy[]> {
    const rounds = await this.rounds.listForRun(runId);
    const committed: CommittedPrivacy[] = [];
    // ε is set in the commit's transaction: a round with one was committed, whatever its stage since.
    for (const r of rounds)
      if (r.privacy && r.privacy.epsilon !== null) committed.push({ number: r.number, privacy: r.privacy });
    return committed.sort((a, b) => a.number - b.number);
  }
}

/** What a selected site is told about the round's privacy (FitIns.privacy): no ε, only what it is made of. */
export function privacyInstruction(run: Run, round: Round, secAgg?: RoundSecAgg): RoundPrivacyIns {
  const p = round.privacy;
  return {
    secureAggregation: secAgg !== undefined,
    ...(secAgg ? { secAgg } : {}),
    selectedSites: round.selectedSites.length,
    minSites: run.config.minClients,
    ...(p
      ? {
          dp: {
            clip: p.clip,
            noiseMultiplier: p.noiseMultiplier,
            accountedNoiseMultiplier: p.accountedNoiseMultiplier,
            sampleRate: p.sampleRate,
            delta: p.delta,
            pastRounds: p.pastRounds,
          },
        }
      : {}),
  };
}
