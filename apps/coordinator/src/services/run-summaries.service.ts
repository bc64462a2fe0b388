import { Injectable } from '@nestjs/common';
import type { RunSummary } from '@fedfuse/protocol';
import type { Run } from '../repositories/runs.repository.ts';
import { RunsRepository } from '../repositories/runs.repository.ts';
import type { ModelDraft } from '../run-config.ts';
import { OpsBroadcaster } from './ops-broadcaster.service.ts';

/** A run as the Runs list, the run page's header and the overview show it. */
export function toRunSummary(run: Run): RunSummary {
  const config = run.config;
  return {
    runId: run.id,
    name: run.name,
    state: run.state,
    strategy: config.strategy.name,
    fusion: config.model.fusion,
    // A run not started yet may leave its tasks to the sites.
    tasks: (config.model as ModelDraft).tasks ?? [],
    roundsPlanned: config.rounds,
    roundsCompleted: run.committedRound,
    schedule: config.schedule ?? null,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    failure: run.failure,
  };
}

/** The run:updated broadcast: sent after a run is created, changes state or commits a round. */
@Injectable()
export class RunSummariesService {
  constructor(
    private readonly runs: RunsRepository,
    private readonly ops: OpsBroadcaster,
  ) {}

  /** Reads the run back, so dashboards get what was stored, not what the caller meant to store. */
  async publish(runId: string): Promise<RunSummary | undefined> {
    const run = await this.runs.find(runId);
    if (!run) return undefined;
    const summary = toRunSummary(run);
    this.ops.emit('runUpdated', summary);
    return summary;
  }
}
