import { Inject, Injectable } from '@nestjs/common';
import type { EvaluateRes } from '@fedfuse/protocol';
import type { EvaluateResult, PooledTaskMetrics } from '@fedfuse/strategy';
import type { Round } from '../repositories/round.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import type { Run } from '../repositories/runs.repository.ts';
import type { Database } from '../persistence/database.ts';
import { CLOCK, DATABASE } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';
import { GlobalModelService } from './global-model.service.ts';
import { OpsBroadcaster } from './ops-broadcaster.service.ts';
import type { SelectedRound, StoredRoundMetrics } from './round-selection.ts';
import { patienceRunOut, selectedRoundOf } from './round-selection.ts';
import { RoundProgressService } from './round-progress.service.ts';
import { RoundSitesService } from './round-sites.service.ts';
import { runStrategy } from './run-state.ts';
import { byStableKey } from './site-keys.ts';

const SYSTEM = { kind: 'system', id: 'coordinator' } as const;

/** After a round's evaluation: whether the run is complete (last round, or patience ran out). */
export interface EvaluationOutcome {
  runComplete: boolean;
  selected: SelectedRound | null;
}

/** Evaluation's end: the strategy pools the sites' results, the round is done, early stopping decides. */
@Injectable()
export class RoundEvaluationService {
  constructor(
    private readonly rounds: RoundsRepository,
    private readonly models: GlobalModelService,
    private readonly sites: RoundSitesService,
    private readonly progress: RoundProgressService,
    private readonly audit: AuditService,
    private readonly ops: OpsBroadcaster,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DATABASE) private readonly database: Database,
  ) {}

  async finish(run: Run, round: Round): Promise<EvaluationOutcome> {
    const rows = byStableKey(await this.rounds.updatesFor(round.id, 'evaluate'), await this.sites.keys());
    const config = run.config;
    const strategy = runStrategy(config, this.models.describe(config.model).layout);
    const pool = (parts: EvaluateResult[]) => strategy.aggregateEvaluate(round.number, parts, []).tasks ?? {};
    const evaluations = rows.map((r) => ({ clientId: r.site_id, res: JSON.parse(r.payload) as EvaluateRes }));
    const validated = evaluations.flatMap(({ clientId, res }) =>
      res.validation ? [{ clientId, ...res.validation }] : [],
    );
    const metrics: StoredRoundMetrics = {
      tasks: pool(evaluations.map(({ clientId, res }) => ({ clientId, ...res }))),
      ...(validated.length > 0 ? { validation: pool(validated) } : {}),
      sites: rows.map((r) => r.site_id),
    };
    // The round's end and its audit entry commit together (one fsync).
    await this.database.transaction(async () => {
      await this.rounds.update(round.id, { stage: 'committed', metrics, finishedAt: this.clock.now() });
      await this.publish(round, metrics);
    });
    await this.progress.publish({ ...round, stage: 'committed' });
    const selected = selectedRoundOf(await this.rounds.listForRun(run.id));
    const runComplete =
      round.number >= config.rounds ||
      patienceRunOut({ latest: round.number, selected, patience: config.patience });
    return { runComplete, selected };
  }

  /** The pooled metrics, flattened for dashboards and audited with the per-task AUCs. */
  private async publish(round: Round, metrics: StoredRoundMetrics): Promise<void> {
    const flat: Record<string, number> = {};
    for (const [task, values] of Object.entries(metrics.tasks)) {
      for (const [name, value] of Object.entries(values))
        if (Number.isFinite(value)) flat[`${task}.${name}`] = value;
    }
    for (const [task, values] of Object.entries(metrics.validation ?? {}))
      if (Number.isFinite(values.auc)) flat[`validation.${task}.auc`] = values.auc;
    this.ops.emit('metricsRecorded', {
      runId: round.runId,
      roundId: round.id,
      roundNumber: round.number,
      stage: 'evaluate',
      at: this.clock.now(),
      metrics: flat,
    });
    await this.audit.record({
      actor: SYSTEM,
      action: 'round.evaluated',
      subject: round.runId,
      details: { round: round.number, sites: metrics.sites.length, ...roundedAucs(metrics.tasks) },
    });
  }
}

function roundedAucs(tasks: Record<string, PooledTaskMetrics>): Record<string, number | null> {
  return Object.fromEntries(
    Object.entries(tasks).map(([t, m]) => [
      `${t}.auc`,
      Number.isFinite(m.auc) ? Number(m.auc.toFixed(4)) : null,
    ]),
  );
}
