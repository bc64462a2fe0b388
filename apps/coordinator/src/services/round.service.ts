import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RoundProgress } from '@fedfuse/protocol';
import type { Round } from '../repositories/round.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import type { Run } from '../repositories/runs.repository.ts';
import { RunsRepository } from '../repositories/runs.repository.ts';
import type { ResolvedRunConfig } from '../run-config.ts';
import { CLOCK } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';
import { GlobalWeightsService } from './global-weights.service.ts';
import { RoundAggregationService } from './round-aggregation.service.ts';
import type { Cancellation } from './round-cancellation.service.ts';
import { RoundCancellationService } from './round-cancellation.service.ts';
import { RoundEvaluationService } from './round-evaluation.service.ts';
import { RoundInstructionsService } from './round-instructions.service.ts';
import { RoundProgressService } from './round-progress.service.ts';
import type { SelectedRound } from './round-selection.ts';
import { RoundSitesService } from './round-sites.service.ts';
import { RoundStartService } from './round-start.service.ts';
import { RunLocks } from './run-locks.service.ts';
import { RunSummariesService } from './run-summaries.service.ts';
import { SecAggRoundsService } from './secagg-rounds.service.ts';
import type { SiteFailure } from './site-failures.service.ts';
import { SiteFailuresService, describeFailures } from './site-failures.service.ts';

const SYSTEM = { kind: 'system', id: 'coordinator' } as const;

/**
 * The round state machine: fit → aggregating → (commit) → evaluate → committed, or cancelled. Every stage
 * change is written to the database before anything acts on it, so a restarted coordinator picks the run
 * up where the database says it is. Starting, aggregating, evaluating and cancelling are their own services.
 */
@Injectable()
export class RoundService {
  private readonly logger = new Logger('rounds');

  constructor(
    private readonly runs: RunsRepository,
    private readonly rounds: RoundsRepository,
    private readonly locks: RunLocks,
    private readonly starts: RoundStartService,
    private readonly aggregation: RoundAggregationService,
    private readonly evaluation: RoundEvaluationService,
    private readonly cancellation: RoundCancellationService,
    private readonly sites: RoundSitesService,
    private readonly progressService: RoundProgressService,
    private readonly failures: SiteFailuresService,
    private readonly instructions: RoundInstructionsService,
    private readonly weights: GlobalWeightsService,
    private readonly audit: AuditService,
    private readonly runSummaries: RunSummariesService,
    private readonly secagg: SecAggRoundsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.instructions.onSiteFailure((runId) => void this.kick(runId));
    this.secagg.onSettled((runId) => void this.kick(runId));
  }

  private readonly ticks = new Set<Promise<void>>();

  /** Advances every running run one step; called by the ticker and after every submission. */
  tick(): Promise<void> {
    const tick = this.advanceAll()
      .catch((error: Error) => {
        this.logger.error(`tick: ${error.message}`, error.stack);
      })
      .finally(() => this.ticks.delete(tick));
    this.ticks.add(tick);
    return tick;
  }

  /** Resolves once no tick and no run's work is in flight: shutdown waits for it before the database closes. */
  async drain(): Promise<void> {
    await Promise.all([...this.ticks]);
    await this.locks.idle();
  }

  private async advanceAll(): Promise<void> {
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
    const config = run.config;
    const open = await this.rounds.findOpen(runId);
    if (!open) {
      if (run.committedRound >= config.rounds) return this.complete(run);
      return this.startRound(run, config);
    }
    if (open.stage === 'fit') return this.collectFit(run, open, config);
    if (open.stage === 'aggregating') return this.aggregation.aggregate(run, open);
    if (open.stage === 'evaluate') return this.collectEvaluation(run, open);
  }

  private async startRound(run: Run, config: ResolvedRunConfig): Promise<void> {
    const outcome = await this.starts.start(run, config);
    if (outcome.kind === 'exhausted')
      await this.failRun(run, { round: run.committedRound + 1, message: outcome.message });
  }

  /** Aggregates once every selected site answered, or at the deadline with enough updates; else cancels. */
  private async collectFit(run: Run, round: Round, config: ResolvedRunConfig): Promise<void> {
    if (config.secureAggregation) return this.collectSecure(run, round, config);
    const submitted = (await this.rounds.updatesFor(round.id, 'fit')).length;
    const selected = round.selectedSites.length;
    if (submitted >= selected) return this.aggregation.aggregate(run, round);
    const failed = await this.failures.of(round.id, 'fit');
    // Every site has answered or said why it cannot: waiting for the deadline changes nothing.
    const allAnswered = submitted + failed.length >= selected;
    if (!allAnswered && this.clock.now() <= round.deadlineAt) return;
    if (submitted >= config.minClients) return this.aggregation.aggregate(run, round);
    return this.failTraining({ run, round, config, submitted, failed });
  }

  /**
   * A secure round waits for its driver, then commits the unmasked aggregate when at least max(threshold,
   * minClients) sites are in it. A round this coordinator is not driving (it restarted) lost its masks'
   * state: it is cancelled, and the next attempt is a new round with a new id.
   */
  private async collectSecure(run: Run, round: Round, config: ResolvedRunConfig): Promise<void> {
    const progress = this.secagg.progressOf(round.id);
    if (progress === 'running') return;
    if (progress === undefined)
      return this.cancellation.cancel(round, {
        reason: 'error',
        message:
          'secure aggregation: the coordinator restarted during the round, so it is redone as a new round',
      });
    if (!progress.ok)
      return this.cancellation.cancel(round, {
        reason: 'sites_failed',
        message: `secure aggregation ended without an aggregate: ${progress.code}: ${progress.message}`.slice(
          0,
          2000,
        ),
      });
    const threshold = this.secagg.instruction(round.id)!.threshold;
    const required = Math.max(threshold, config.minClients);
    const survivors = progress.aggregate.survivors.length;
    if (survivors < required)
      return this.cancellation.cancel(round, {
        reason: 'too_few_sites',
        message: `secure aggregation: ${survivors} sites in the sum, fewer than max(threshold ${threshold}, minClients ${config.minClients}) = ${required}`,
      });
    return this.aggregation.aggregate(run, round);
  }

  private async collectEvaluation(run: Run, round: Round): Promise<void> {
    const results = await this.rounds.updatesFor(round.id, 'evaluate');
    const failed = await this.failures.of(round.id, 'evaluate');
    const answered = results.length + failed.length >= round.evaluators.length;
    if (!answered && this.clock.now() <= (round.evaluationDeadlineAt ?? 0)) return;
    const outcome = await this.evaluation.finish(run, round);
    if (outcome.runComplete) await this.complete(run, outcome.selected);
  }

  /**
   * Ends a round that cannot aggregate, with the sites' reasons. When the sites whose failure cannot change
   * on a retry leave fewer than minClients, the run fails now instead of retrying the same round.
   */
  private async failTraining(o: {
    run: Run;
    round: Round;
    config: ResolvedRunConfig;
    submitted: number;
    failed: SiteFailure[];
  }): Promise<void> {
    const { run, round, config, failed } = o;
    const selected = round.selectedSites.length;
    await this.cancellation.cancel(round, await this.trainingCancellation(o));
    const permanent = failed.filter((f) => !f.retryable);
    if (permanent.length === 0 || selected - permanent.length >= config.minClients) return;
    await this.failRun(run, {
      round: round.number,
      message: `round ${round.number}: ${permanent.length} of ${selected} sites cannot train it, and a retry would fail the same way: ${describeFailures(permanent)}`,
      details: { sites: permanent.map((f) => ({ site: f.siteName, code: f.code, reason: f.message })) },
    });
  }

  /**
   * Why training ended without enough updates: `sites_failed` when every site answered; at the deadline,
   * `too_few_sites` when the selected sites still connected could not have reached minClients (sites
   * left), else `deadline` (enough were there, too slow).
   */
  private async trainingCancellation(o: {
    round: Round;
    config: ResolvedRunConfig;
    submitted: number;
    failed: SiteFailure[];
  }): Promise<Cancellation> {
    const { round, config, submitted, failed } = o;
    const selected = round.selectedSites.length;
    const reasons =
      failed.length > 0 ? `; ${failed.length} of ${selected} sites failed: ${describeFailures(failed)}` : '';
    const required = `${submitted} of ${config.minClients} required updates`;
    if (submitted + failed.length >= selected)
      return { reason: 'sites_failed', message: `${required}${reasons}`.slice(0, 2000) };
    const reachable = await this.sites.reachable(round, submitted);
    return {
      reason: reachable < config.minClients ? 'too_few_sites' : 'deadline',
      message: `deadline passed with ${required}${reasons}`.slice(0, 2000),
    };
  }

  private async failRun(
    run: Run,
    o: { round: number; message: string; details?: Record<string, unknown> },
  ): Promise<void> {
    const failure = o.message.slice(0, 2000);
    const at = this.clock.now();
    if (!(await this.runs.transition(run.id, { from: ['running'], to: 'failed', at, failure }))) return;
    await this.audit.record({
      actor: SYSTEM,
      action: 'run.failed',
      subject: run.id,
      outcome: 'failed',
      details: { round: o.round, reason: failure, ...o.details },
    });
    await this.runSummaries.publish(run.id);
  }

  /**
   * Cancels the run's round in training or aggregation because the operator paused or stopped the run; a
   * committed round in evaluation keeps its model. Resuming starts a fresh attempt of the round.
   */
  async cancelOpenRound(runId: string, cancellation: Cancellation): Promise<void> {
    await this.locks.run(runId, async () => {
      const open = await this.rounds.findOpen(runId);
      if (open && open.stage !== 'evaluate') await this.cancellation.cancel(open, cancellation);
    });
  }

  /** Completes the run after its last round, or earlier when early stopping's patience ran out. */
  private async complete(run: Run, selected?: SelectedRound | null): Promise<void> {
    const at = this.clock.now();
    if (!(await this.runs.transition(run.id, { from: ['running'], to: 'completed', at }))) return;
    const rounds = (await this.runs.find(run.id))?.committedRound ?? run.committedRound;
    await this.audit.record({
      actor: SYSTEM,
      action: 'run.completed',
      subject: run.id,
      details: {
        rounds,
        stoppedEarly: rounds < run.config.rounds,
        selectedRound: selected?.round ?? null,
      },
    });
    await this.runSummaries.publish(run.id);
  }

  /**
   * Sends the current instruction to a site that just (re)connected, unless this connection already
   * carries it (the round started while the site was connecting); a new connection always gets it, and
   * so does a site that asks for a resync (`force`).
   */
  async resume(siteId: string, options: { force?: boolean } = {}): Promise<void> {
    for (const run of await this.runs.listInState('running')) {
      const open = await this.rounds.findOpen(run.id);
      if (!open) {
        void this.kick(run.id);
        continue;
      }
      const stage = open.stage === 'fit' || open.stage === 'evaluate' ? open.stage : undefined;
      const asked = stage === 'fit' ? open.selectedSites : open.evaluators;
      if (
        !stage ||
        !asked.includes(siteId) ||
        (!options.force && this.instructions.alreadySent(siteId, open.id, stage))
      )
        continue;
      if (await this.sites.answered(open.id, siteId, stage)) continue;
      if (stage === 'fit') {
        const global = await this.weights.atRound(run, open.number - 1);
        const siteKey = (await this.sites.keys()).get(siteId) ?? siteId;
        this.instructions.sendFit({ run, round: open, global, siteId, siteKey });
      } else {
        const model = await this.weights.atRound(run, open.number);
        this.instructions.sendEvaluate({ run, round: open, model, siteId });
      }
    }
  }

  /** The round's progress, broadcast to dashboards. */
  progress(round: Round): Promise<RoundProgress> {
    return this.progressService.publish(round);
  }

  /** How far a round is: who was asked, who answered. */
  progressOf(round: Round): Promise<RoundProgress> {
    return this.progressService.of(round);
  }
}
