import { Inject, Injectable } from '@nestjs/common';
import type { SiteSync } from '@fedfuse/protocol';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { RunsRepository } from '../repositories/runs.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { CLOCK } from '../tokens.ts';
import type { Clock } from './clock.ts';
import { siteRoundView } from './run-state.ts';

/** What a (re)connected site is told: the truth about its standing, the run and the round. */
@Injectable()
export class SiteSyncService {
  constructor(
    private readonly sites: SitesRepository,
    private readonly runs: RunsRepository,
    private readonly rounds: RoundsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async forSite(siteId: string): Promise<SiteSync> {
    const site = await this.sites.find(siteId);
    const run = (await this.runs.listInState('running'))[0] ?? (await this.runs.listInState('paused'))[0];
    const open = run ? await this.rounds.findOpen(run.id) : undefined;
    const stage = open?.stage === 'evaluate' ? 'evaluate' : 'fit';
    const submitted = open
      ? Boolean(await this.rounds.findUpdate({ roundId: open.id, siteId, stage }))
      : false;
    return {
      siteId,
      siteStatus: site?.status ?? 'revoked',
      serverTime: this.clock.now(),
      run: run ? { runId: run.id, name: run.name, state: run.state } : null,
      round: open ? siteRoundView(open, { siteId, submitted }) : null,
    };
  }
}
