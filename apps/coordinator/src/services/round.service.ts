import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CancelReason, EvaluateRes, RoundProgress } from '@fedfuse/protocol';
import { FlEvent } from '@fedfuse/protocol';
import { isStateful } from '@fedfuse/strategy';
import type { EvaluateResult, FitResult, ParameterLayout } from '@fedfuse/strategy';
import { decodeWeights } from '@fedfuse/protocol';
import { FileStoreRepository } from '../repositories/file-store.repository.ts';
import type { RoundRow } from '../repositories/rounds.repository.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { RoundInstructionsService } from './round-instructions.service.ts';
import type { RunRow } from '../repositories/runs.repository.ts';
import { RunsRepository } from '../repositories/runs.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import type { ResolvedRunConfig } from '../run-config.ts';
import { AuditService } from './audit.service.ts';
import { ConnectionsService } from './connections.service.ts';
import { GlobalModelService } from './global-model.service.ts';
import { GlobalWeightsService, checkpointPath, optimizerPath } from './global-weights.service.ts';
import { OpsBroadcaster } from './ops-broadcaster.service.ts';
import { crashPoint } from './crash-points.ts';
import { byStableKey, stableSiteKeys } from './site-keys.ts';
import { encodeSnapshot } from './optimizer-snapshot.ts';
import type { SelectedRound, StoredRoundMetrics } from './round-selection.ts';
import { patienceRunOut, selectedRoundOf } from './round-selection.ts';
import { RunLocks } from './run-locks.service.ts';
import { evaluators, runConfig, runStrategy, selectedSites, stageOf } from './run-state.ts';
import { RunSummariesService } from './run-summaries.service.ts';
import { SiteSummariesService } from './site-summaries.service.ts';
import { roundTrainingLoss } from './training-loss.ts';
import type { SiteFailure } from './site-failures.service.ts';
import { SiteFailuresService, describeFailures } from './site-failures.service.ts';
import { TransfersService } from './transfers.service.ts';
import { UpdateScreeningService } from './update-screening.service.ts';

const MAX_ATTEMPTS = 3;
const SYSTEM = { kind: 'system', id: 'coordinator' } as const;

/**
 * The round state machine: training → aggregation → (commit) → evaluation → done, or failed.
 * Every phase change is written to the database before anything acts on it, so a restarted
 * coordinator picks the run up where the database says it is.
 */
@Injectable()
export class RoundService {
  private readonly logger = new Logger('rounds');
  private readonly waiting = new Map<string, string>();

  constructor(
    @Inject(RunsRepository) private readonly runs: RunsRepository,
    @Inject(RoundsRepository) private readonly rounds: RoundsRepository,
    @Inject(SitesRepository) private readonly sites: SitesRepository,
    @Inject(FileStoreRepository) private readonly files: FileStoreRepository,
    @Inject(GlobalModelService) private readonly models: GlobalModelService,
    @Inject(GlobalWeightsService) private readonly weights: GlobalWeightsService,
    @Inject(ConnectionsService) private readonly connections: ConnectionsService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(OpsBroadcaster) private readonly ops: OpsBroadcaster,
    @Inject(RunLocks) private readonly locks: RunLocks,
    @Inject(RunSummariesService) private readonly runSummaries: RunSummariesService,
    @Inject(SiteSummariesService) private readonly siteSummaries: SiteSummariesService,
    @Inject(RoundInstructionsService) private readonly instructions: RoundInstructionsService,
    @Inject(SiteFailuresService) private readonly failures: SiteFailuresService,
    @Inject(UpdateScreeningService) private readonly screening: UpdateScreeningService,
    @Inject(TransfersService) private readonly transfers: TransfersService,
  ) {
    this.instructions.onSiteFailure((runId) => void this.kick(runId));
  }

  /** Advances every running run one step; called by the ticker and after every submission. */
  async tick(): Promise<void> {
    for (const run of await this.runs.listInState('running')) await this.kick(run.id);
  }

  kick(runId: string): Promise<void> {
    return this.locks
      .run(runId, () => this.advance(runId))
      .catch((error: Error) => {
        this.logger.error(`run ${runId}: ${error.message}`, error.stack);
      });
  }

  private async advance(runId: string): Promise<void> {
    const run = await this.runs.find(runId);
    if (run?.state !== 'running') return;
    const config = runConfig(run);
    const open = await this.rounds.findOpen(runId);
    if (!open) {
      if (run.committed_round >= config.rounds) return this.complete(run);
      return this.startRound(run, config);
    }
    const now = Date.now();
    if (open.phase === 'training') {
      const submitted = await this.rounds.updatesFor(open.id, 'fit');
      const selected = selectedSites(open).length;
      if (submitted.length >= selected) return this.aggregateOrCancel(run, open);
      const failed = await this.failures.of(open.id, 'fit');
      // Every site has answered or said why it cannot: waiting for the deadline changes nothing.
      const allAnswered = submitted.length + failed.length >= selected;
      if (allAnswered || now > open.deadline_at) {
        if (submitted.length >= config.minClients) return this.aggregateOrCancel(run, open);
        return this.failTraining({ run, round: open, config, submitted: submitted.length, failed });
      }
    } else if (open.phase === 'aggregation') {
      return this.aggregateOrCancel(run, open);
    } else if (open.phase === 'evaluation') {
      const results = await this.rounds.updatesFor(open.id, 'evaluate');
      const failed = await this.failures.of(open.id, 'evaluate');
      const answered = results.length + failed.length >= evaluators(open).length;
      if (answered || now > (open.evaluation_deadline_at ?? 0)) return this.finishEvaluation(run, open);
    }
  }

  /**
   * Ends a round that cannot aggregate, with the sites' reasons. When the sites whose failure cannot change
   * on a retry leave fewer than minClients, the run fails now instead of retrying the same round.
   */
  private async failTraining(o: {
    run: RunRow;
    round: RoundRow;
    config: ResolvedRunConfig;
    submitted: number;
    failed: SiteFailure[];
  }): Promise<void> {
    const { run, round, config, failed } = o;
    const selected = selectedSites(round).length;
    const reasons =
      failed.length > 0 ? `; ${failed.length} of ${selected} sites failed: ${describeFailures(failed)}` : '';
    const answered = o.submitted + failed.length >= selected;
    const summary = answered
      ? `${o.submitted} of ${config.minClients} required updates`
      : `deadline passed with ${o.submitted} of ${config.minClients} required updates`;
    await this.failRound(round, {
      reason: answered ? 'sites_failed' : await this.deadlineReason(round, o.submitted, config),
      message: `${summary}${reasons}`.slice(0, 2000),
    });
    const permanent = failed.filter((f) => !f.retryable);
    if (permanent.length === 0 || selected - permanent.length >= config.minClients) return;
    await this.failRun(run, {
      round: round.number,
      message: `round ${round.number}: ${permanent.length} of ${selected} sites cannot train it, and a retry would fail the same way: ${describeFailures(permanent)}`,
      details: { sites: permanent.map((f) => ({ site: f.siteName, code: f.code, reason: f.message })) },
    });
  }

  /**
   * At the deadline: `too_few_sites` when the selected sites still connected could not have brought the
   * updates up to minClients (sites left), `deadline` when enough were there but too slow.
   */
  private async deadlineReason(
    round: RoundRow,
    submitted: number,
    config: ResolvedRunConfig,
  ): Promise<CancelReason> {
    const connected = new Set(this.connections.connectedIds());
    let reachable = submitted;
    for (const siteId of selectedSites(round))
      if (connected.has(siteId) && !(await this.answered(round.id, siteId, 'fit'))) reachable++;
    return reachable < config.minClients ? 'too_few_sites' : 'deadline';
  }

  private async approvedConnected(): Promise<string[]> {
    const approved = new Set(
      (await this.sites.list()).filter((s) => s.status === 'approved').map((s) => s.id),
    );
    return this.connections.connectedIds().filter((id) => approved.has(id));
  }

  /** The run's strategy for sampling and evaluation, where the parameter layout plays no part. */
  private strategyOf(config: ResolvedRunConfig) {
    return runStrategy(config, this.models.describe(config.model).layout);
  }

  /** The sites the strategy asks to evaluate the committed model: ids of approved, connected sites. */
  private async evaluatorsFor(o: {
    config: ResolvedRunConfig;
    layout: ParameterLayout;
    round: number;
    weights: Float32Array;
  }): Promise<string[]> {
    const keys = await this.siteKeys();
    const available = await this.approvedConnected();
    const idOfKey = new Map(available.map((id) => [keys.get(id)!, id]));
    const plan = runStrategy(o.config, o.layout).configureEvaluate(
      o.round,
      o.weights,
      [...idOfKey.keys()].map((key) => ({ id: key, available: true })),
    );
    return plan.ok ? plan.assignments.map((a) => idOfKey.get(a.clientId)!) : [];
  }

  private async siteKeys(): Promise<Map<string, string>> {
    return stableSiteKeys(await this.sites.list());
  }

  private async startRound(run: RunRow, config: ResolvedRunConfig): Promise<void> {
    const number = run.committed_round + 1;
    const attempt = await this.rounds.countAttempts(run.id, number);
    const retries = await this.rounds.countAttempts(run.id, number, { retriesOnly: true });
    if (retries >= MAX_ATTEMPTS) {
      const last = (await this.rounds.listForRun(run.id)).filter((r) => r.number === number).at(-1);
      return this.failRun(run, {
        round: number,
        message: `round ${number} failed ${retries} times${last?.failure ? `; last: ${last.failure}` : ''}`,
      });
    }
    const keys = await this.siteKeys();
    const available = await this.approvedConnected();
    const idOfKey = new Map(available.map((id) => [keys.get(id)!, id]));
    const global = await this.weights.current(run);
    // Sampled by stable key, so the same federation samples the same sites whatever their ids.
    const plan = this.strategyOf(config).configureFit(
      number,
      global.values,
      [...idOfKey.keys()].map((key) => ({ id: key, available: true })),
    );
    if (!plan.ok) {
      if (this.waiting.get(run.id) !== plan.message)
        this.logger.log(`run ${run.name}: waiting for sites (${plan.message})`);
      this.waiting.set(run.id, plan.message);
      return;
    }
    this.waiting.delete(run.id);
    const sampled = plan.assignments.map((a) => idOfKey.get(a.clientId)!);
    const now = Date.now();
    const round: RoundRow = {
      id: randomUUID(),
      run_id: run.id,
      number,
      attempt,
      phase: 'training',
      selected_sites: JSON.stringify(sampled),
      global_hash: global.modelHash,
      result_hash: null,
      started_at: now,
      deadline_at: now + config.roundTimeoutSeconds * 1000,
      finished_at: null,
      metrics: null,
      failure: null,
      evaluators: null,
      evaluation_deadline_at: null,
      training_loss: null,
      cancel_reason: null,
    };
    // The unique (run, number, attempt) key makes this start idempotent across ticks, crons and instances.
    if (!(await this.rounds.insertIfAbsent(round))) return;
    await this.audit.record({
      actor: SYSTEM,
      action: 'round.started',
      subject: run.id,
      details: { round: number, attempt, sites: sampled.length },
    });
    crashPoint('selection', number);
    await this.progress(round);
    for (const siteId of sampled)
      this.instructions.sendFit({ run, round, global, siteId, siteKey: keys.get(siteId)! });
  }

  /**
   * Aggregates and commits the round. A failure before the commit (an unreadable update, a checkpoint
   * that cannot be written) cancels the round with reason `error`, so its sites stop and a retry starts.
   */
  private async aggregateOrCancel(run: RunRow, round: RoundRow): Promise<void> {
    if (round.phase === 'training') {
      await this.rounds.update(round.id, { phase: 'aggregation' });
      round = { ...round, phase: 'aggregation' };
      await this.progress(round);
      await this.releaseUploads(round);
    }
    let checkpoint: Awaited<ReturnType<RoundService['aggregateRound']>>;
    try {
      checkpoint = await this.aggregateRound(run, round);
    } catch (error) {
      const message = `aggregation failed: ${(error as Error).message}`;
      this.logger.error(`run ${run.id} round ${round.number}: ${message}`);
      return this.failRound(round, { reason: 'error', message: message.slice(0, 2000) });
    }
    return this.commitRound(run, round, checkpoint);
  }

  /** The round's new global model, written as its checkpoint (with the strategy's state), not yet committed. */
  private async aggregateRound(run: RunRow, round: RoundRow) {
    const config = runConfig(run);
    const global = await this.weights.atRound(run, round.number - 1);
    if (global.modelHash !== round.global_hash)
      throw new Error(`round ${round.number} started from another model than checkpoint ${round.number - 1}`);
    const keys = await this.siteKeys();
    const submitted = byStableKey(await this.rounds.updatesFor(round.id, 'fit'), keys);
    const deltas: Float32Array[] = [];
    for (const row of submitted) {
      const payload = JSON.parse(row.payload) as { sha256: string };
      const decoded = decodeWeights(await this.files.readVerified(row.delta_path!, payload.sha256));
      if (!decoded.ok)
        throw new Error(`stored delta of site ${row.site_id} does not decode: ${decoded.error.message}`);
      deltas.push(decoded.data.values);
    }
    const kept = await this.screening.keep({
      round,
      config,
      siteIds: submitted.map((r) => r.site_id),
      deltas,
    });
    const rows = kept.map((i) => submitted[i]!);
    const results: FitResult[] = kept.map((i) => {
      const row = submitted[i]!;
      const weights = new Float32Array(global.values.length);
      for (let j = 0; j < weights.length; j++) weights[j] = global.values[j]! + deltas[i]![j]!;
      const { groupExamples } = JSON.parse(row.payload) as { groupExamples: Record<string, number> };
      return {
        clientId: keys.get(row.site_id) ?? row.site_id,
        weights,
        numExamples: row.num_examples,
        groupExamples,
      };
    });
    const { layout, manifest } = this.models.describe(config.model);
    const strategy = runStrategy(config, layout);
    const state = await this.weights.optimizerAt(run.id, round.number - 1);
    if (state && isStateful(strategy)) strategy.restoreState(state);
    const failures = (await this.failures.of(round.id, 'fit')).map((f) => ({
      clientId: f.siteId,
      reason: f.message,
    }));
    // No weights (every update excluded): the round commits the global model unchanged.
    strategy.startFrom(round.number, global.values);
    const aggregated = strategy.aggregateFit(round.number, results, failures);
    crashPoint('aggregation', round.number);
    const blob = await this.models.blob(aggregated.weights ?? global.values, manifest);
    const path = checkpointPath(run.id, round.number);
    const sha256 = await this.files.write(path, blob.bytes);
    if (isStateful(strategy))
      await this.files.write(optimizerPath(run.id, round.number), encodeSnapshot(strategy.snapshotState()));
    return {
      config,
      layout,
      submitted,
      rows,
      blob,
      path,
      sha256,
      weights: aggregated.weights ?? global.values,
    };
  }

  private async commitRound(
    run: RunRow,
    round: RoundRow,
    checkpoint: Awaited<ReturnType<RoundService['aggregateRound']>>,
  ): Promise<void> {
    const { config, layout, submitted, rows, blob, path, sha256, weights } = checkpoint;
    crashPoint('commit', round.number);
    const evaluatorIds = await this.evaluatorsFor({ config, layout, round: round.number, weights });
    const evaluationDeadline = Date.now() + config.evaluationTimeoutSeconds * 1000;
    const trainingLoss = roundTrainingLoss(rows);
    await this.rounds.commit({
      round,
      checkpoint: { path, sha256 },
      evaluators: evaluatorIds,
      evaluationDeadline,
      trainingLoss,
      at: Date.now(),
      excluded: submitted.filter((row) => !rows.includes(row)).map((row) => row.site_id),
    });
    await this.audit.record({
      actor: SYSTEM,
      action: 'round.committed',
      subject: run.id,
      details: { round: round.number, updates: rows.length, modelHash: sha256 },
    });
    const committed: RoundRow = {
      ...round,
      phase: 'evaluation',
      result_hash: sha256,
      evaluators: JSON.stringify(evaluatorIds),
      evaluation_deadline_at: evaluationDeadline,
      training_loss: trainingLoss,
    };
    this.recordFitMetrics(run, committed, rows);
    await this.progress(committed);
    await this.publishCommit(run.id, rows);
    for (const siteId of evaluatorIds)
      this.instructions.sendEvaluate({
        run: { ...run, committed_round: round.number },
        round: committed,
        model: blob,
        siteId,
      });
  }

  /** The committed round's training loss and example count, broadcast to dashboards. */
  private recordFitMetrics(run: RunRow, round: RoundRow, rows: { num_examples: number }[]): void {
    const examples = rows.reduce((s, r) => s + r.num_examples, 0);
    const loss = round.training_loss;
    this.ops.emit('metricsRecorded', {
      runId: run.id,
      roundId: round.id,
      roundNumber: round.number,
      stage: 'fit',
      at: Date.now(),
      metrics: { ...(loss === null ? {} : { loss }), sites: rows.length, examples },
    });
  }

  /** A commit moves the run's committed round and each contributor's rounds joined. */
  private async publishCommit(runId: string, rows: { site_id: string }[]): Promise<void> {
    await this.runSummaries.publish(runId);
    for (const { site_id } of rows) await this.siteSummaries.publish(site_id).catch(() => undefined);
  }

  private async finishEvaluation(run: RunRow, round: RoundRow): Promise<void> {
    const rows = byStableKey(await this.rounds.updatesFor(round.id, 'evaluate'), await this.siteKeys());
    const evaluations = rows.map((r) => ({ clientId: r.site_id, res: JSON.parse(r.payload) as EvaluateRes }));
    const config = runConfig(run);
    const strategy = this.strategyOf(config);
    const pool = (parts: EvaluateResult[]) => strategy.aggregateEvaluate(round.number, parts, []).tasks ?? {};
    const pooled = pool(evaluations.map(({ clientId, res }) => ({ clientId, ...res })));
    const validated = evaluations.flatMap(({ clientId, res }) =>
      res.validation ? [{ clientId, ...res.validation }] : [],
    );
    const metrics: StoredRoundMetrics = {
      tasks: pooled,
      ...(validated.length > 0 ? { validation: pool(validated) } : {}),
      sites: rows.map((r) => r.site_id),
    };
    await this.rounds.update(round.id, {
      phase: 'done',
      metrics: JSON.stringify(metrics),
      finished_at: Date.now(),
    });
    const flat: Record<string, number> = {};
    for (const [task, values] of Object.entries(pooled)) {
      for (const [name, value] of Object.entries(values))
        if (Number.isFinite(value)) flat[`${task}.${name}`] = value;
    }
    for (const [task, values] of Object.entries(metrics.validation ?? {}))
      if (Number.isFinite(values.auc)) flat[`validation.${task}.auc`] = values.auc;
    this.ops.emit('metricsRecorded', {
      runId: run.id,
      roundId: round.id,
      roundNumber: round.number,
      stage: 'evaluate',
      at: Date.now(),
      metrics: flat,
    });
    await this.audit.record({
      actor: SYSTEM,
      action: 'round.evaluated',
      subject: run.id,
      details: {
        round: round.number,
        sites: rows.length,
        ...Object.fromEntries(
          Object.entries(pooled).map(([t, m]) => [
            `${t}.auc`,
            Number.isFinite(m.auc) ? Number(m.auc.toFixed(4)) : null,
          ]),
        ),
      },
    });
    await this.progress({ ...round, phase: 'done' });
    const selected = selectedRoundOf(await this.rounds.listForRun(run.id));
    if (round.number >= config.rounds) return this.complete(run, selected);
    if (patienceRunOut({ latest: round.number, selected, patience: config.patience }))
      await this.complete(run, selected);
  }

  private async failRun(
    run: RunRow,
    o: { round: number; message: string; details?: Record<string, unknown> },
  ): Promise<void> {
    const failure = o.message.slice(0, 2000);
    if (!(await this.runs.transition(run.id, { from: ['running'], to: 'failed', at: Date.now(), failure })))
      return;
    await this.audit.record({
      actor: SYSTEM,
      action: 'run.failed',
      subject: run.id,
      outcome: 'failed',
      details: { round: o.round, reason: failure, ...o.details },
    });
    await this.runSummaries.publish(run.id);
  }

  /** W7: uploads still open when a round stops training can no longer be submitted; free them. */
  private async releaseUploads(round: RoundRow): Promise<void> {
    for (const siteId of selectedSites(round)) await this.transfers.abandon(siteId, 'round_closed');
  }

  private async failRound(round: RoundRow, cancel: { reason: CancelReason; message: string }): Promise<void> {
    const { reason: code, message: reason } = cancel;
    await this.rounds.update(round.id, {
      phase: 'failed',
      failure: reason,
      cancel_reason: code,
      finished_at: Date.now(),
    });
    await this.releaseUploads(round);
    for (const siteId of selectedSites(round)) {
      this.connections.get(siteId)?.emit(FlEvent.roundCancelled, {
        runId: round.run_id,
        roundId: round.id,
        reason: code,
        message: reason.slice(0, 500),
      });
    }
    await this.audit.record({
      actor: SYSTEM,
      action: 'round.failed',
      subject: round.run_id,
      outcome: 'failed',
      details: { round: round.number, attempt: round.attempt, code, reason },
    });
    await this.progress({ ...round, phase: 'failed' });
  }

  /**
   * Cancels the run's round in training or aggregation because the operator paused or stopped the run; a
   * committed round in evaluation keeps its model. Resuming starts a fresh attempt of the round.
   */
  async cancelOpenRound(runId: string, cancel: { reason: CancelReason; message: string }): Promise<void> {
    await this.locks.run(runId, async () => {
      const open = await this.rounds.findOpen(runId);
      if (open && open.phase !== 'evaluation') await this.failRound(open, cancel);
    });
  }

  /** Completes the run after its last round, or earlier when early stopping's patience ran out. */
  private async complete(run: RunRow, selected?: SelectedRound | null): Promise<void> {
    if (await this.runs.transition(run.id, { from: ['running'], to: 'completed', at: Date.now() })) {
      const current = await this.runs.find(run.id);
      const rounds = current?.committed_round ?? run.committed_round;
      await this.audit.record({
        actor: SYSTEM,
        action: 'run.completed',
        subject: run.id,
        details: {
          rounds,
          stoppedEarly: rounds < runConfig(run).rounds,
          selectedRound: selected?.round ?? null,
        },
      });
      await this.runSummaries.publish(run.id);
    }
  }

  /** Re-sends the current instruction to a site that just (re)authenticated. */
  async resume(siteId: string): Promise<void> {
    for (const run of await this.runs.listInState('running')) {
      const open = await this.rounds.findOpen(run.id);
      if (!open) {
        void this.kick(run.id);
        continue;
      }
      if (open.phase === 'training' && selectedSites(open).includes(siteId)) {
        if (!(await this.answered(open.id, siteId, 'fit'))) {
          this.instructions.sendFit({
            run,
            round: open,
            global: await this.weights.atRound(run, open.number - 1),
            siteId,
            siteKey: (await this.siteKeys()).get(siteId) ?? siteId,
          });
        }
      } else if (open.phase === 'evaluation' && evaluators(open).includes(siteId)) {
        if (!(await this.answered(open.id, siteId, 'evaluate'))) {
          this.instructions.sendEvaluate({
            run,
            round: open,
            model: await this.weights.atRound(run, open.number),
            siteId,
          });
        }
      }
    }
  }

  /** The site sent its result for this stage, or said why it cannot (then a resend would fail again). */
  private async answered(roundId: string, siteId: string, stage: 'fit' | 'evaluate'): Promise<boolean> {
    const result = await this.rounds.findUpdate({ roundId, siteId, stage });
    return Boolean(result ?? (await this.rounds.findUpdate({ roundId, siteId, stage: `${stage}_failed` })));
  }

  /** The round's progress, broadcast to dashboards. */
  async progress(round: RoundRow): Promise<RoundProgress> {
    const progress = await this.progressOf(round);
    this.ops.emit('roundProgressed', progress);
    return progress;
  }

  /** How far a round is: who was asked, who answered. */
  async progressOf(round: RoundRow): Promise<RoundProgress> {
    const evaluating = round.phase === 'evaluation' || round.phase === 'done';
    const expected = evaluating ? evaluators(round) : selectedSites(round);
    const submitted = (await this.rounds.updatesFor(round.id, evaluating ? 'evaluate' : 'fit')).length;
    const progress: RoundProgress = {
      runId: round.run_id,
      roundId: round.id,
      roundNumber: round.number,
      stage: stageOf(round),
      selected: Math.max(expected.length, submitted),
      submitted,
      failed: round.phase === 'failed' ? Math.max(expected.length - submitted, 0) : 0,
      startedAt: round.started_at,
      deadline: (evaluating ? round.evaluation_deadline_at : round.deadline_at) ?? round.deadline_at,
    };
    return progress;
  }
}
