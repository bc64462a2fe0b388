import { Inject, Injectable } from '@nestjs/common';
import type { FederationSnapshot } from '@fedfuse/protocol';
import { MAX_RUNS, PROTOCOL_VERSION } from '@fedfuse/protocol';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { RunsRepository } from '../repositories/runs.repository.ts';
import { CLOCK } from '../tokens.ts';
import type { Clock } from './clock.ts';
import { RoundService } from './round.service.ts';
import { toRunSummary } from './run-summaries.service.ts';
import { SiteSummariesService } from './site-summaries.service.ts';

/** Everything a dashboard needs to draw itself, from the database and the live connections. */
@Injectable()
export class OpsSnapshotService {
  constructor(
    private readonly sites: SiteSummariesService,
    private readonly runs: RunsRepository,
    private readonly rounds: RoundsRepository,
    private readonly roundService: RoundService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async snapshot(): Promise<FederationSnapshot> {
    const sites = (await this.sites.list()).map((s) => s.summary);
    const runs = await this.runs.list();
    const run = runs.find((r) => r.state === 'running') ?? runs.find((r) => r.state === 'paused') ?? runs[0];
    const rounds = run ? await this.rounds.listForRun(run.id) : [];
    const latest = rounds.at(-1);
    return {
      at: this.clock.now(),
      protocolVersion: PROTOCOL_VERSION,
      sites,
      run: run ? toRunSummary(run) : null,
      runs: runs.slice(0, MAX_RUNS).map(toRunSummary),
      round: latest ? await this.roundService.progressOf(latest) : null,
    };
  }
}
