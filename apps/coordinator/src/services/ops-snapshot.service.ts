import { Inject, Injectable } from '@nestjs/common';
import type { FederationSnapshot, RunSummary } from '@fedfuse/protocol';
import { PROTOCOL_VERSION } from '@fedfuse/protocol';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import type { RunRow } from '../repositories/runs.repository.ts';
import { RunsRepository } from '../repositories/runs.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { ConnectionsService } from './connections.service.ts';
import { toSiteSummary } from './registry.service.ts';
import { RoundService } from './round.service.ts';
import { runConfig } from './run-state.ts';

/** A run as the dashboard's header shows it. */
export function toRunSummary(run: RunRow): RunSummary {
  const config = runConfig(run);
  return {
    runId: run.id,
    name: run.name,
    state: run.state,
    strategy: config.strategy.name,
    roundsPlanned: config.rounds,
    roundsCompleted: run.committed_round,
    startedAt: run.started_at,
  };
}

/** Everything a dashboard needs to draw itself, from the database and the live connections. */
@Injectable()
export class OpsSnapshotService {
  constructor(
    @Inject(SitesRepository) private readonly sites: SitesRepository,
    @Inject(RunsRepository) private readonly runs: RunsRepository,
    @Inject(RoundsRepository) private readonly rounds: RoundsRepository,
    @Inject(ConnectionsService) private readonly connections: ConnectionsService,
    @Inject(RoundService) private readonly roundService: RoundService,
  ) {}

  async snapshot(): Promise<FederationSnapshot> {
    const sites = (await this.sites.list()).map((s) => toSiteSummary(s, this.connections.isConnected(s.id)));
    const runs = await this.runs.list();
    const run = runs.find((r) => r.state === 'running') ?? runs.find((r) => r.state === 'paused') ?? runs[0];
    const rounds = run ? await this.rounds.listForRun(run.id) : [];
    const latest = rounds.at(-1);
    return {
      at: Date.now(),
      protocolVersion: PROTOCOL_VERSION,
      sites,
      run: run ? toRunSummary(run) : null,
      round: latest ? await this.roundService.progressOf(latest) : null,
    };
  }
}
