import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { Ack } from '@fedfuse/protocol';
import { fail, ok } from '@fedfuse/protocol';
import type { Run, RunState } from '../repositories/runs.repository.ts';
import { RunsRepository } from '../repositories/runs.repository.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import {
  explicitSpec,
  resolveRunConfig,
  type DraftRunConfig,
  type ResolvedRunConfig,
} from '../run-config.ts';
import type { CoordinatorSettings } from '../env.ts';
import { CLOCK, SETTINGS } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';
import { GlobalModelService } from './global-model.service.ts';
import { RoundService } from './round.service.ts';
import { RunTransitionError } from './run-transition.error.ts';
import { RunSummariesService } from './run-summaries.service.ts';
import { SpecAgreementService, type AgreedModel } from './spec-agreement.service.ts';
import { TransfersService } from './transfers.service.ts';

const OPERATOR = { kind: 'operator', id: 'operator' } as const;
export type RunAction = 'start' | 'pause' | 'resume' | 'stop';

const ACTIONS: Record<RunAction, { from: RunState[]; to: RunState; verb: string }> = {
  start: { from: ['scheduled'], to: 'running', verb: 'started' },
  pause: { from: ['running'], to: 'paused', verb: 'paused' },
  resume: { from: ['paused'], to: 'running', verb: 'resumed' },
  stop: { from: ['scheduled', 'running', 'paused'], to: 'stopped', verb: 'stopped' },
};

/** Training runs: creation, the operator's start/pause/resume/stop, schedules, and the round ticker. */
@Injectable()
export class RunService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('runs');

  constructor(
    private readonly runs: RunsRepository,
    private readonly rounds: RoundsRepository,
    private readonly roundService: RoundService,
    private readonly models: GlobalModelService,
    private readonly transfers: TransfersService,
    private readonly audit: AuditService,
    private readonly summaries: RunSummariesService,
    private readonly scheduler: SchedulerRegistry,
    @Inject(SETTINGS) private readonly settings: CoordinatorSettings,
    private readonly agreement: SpecAgreementService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const run of await this.runs.listInState('scheduled')) this.schedule(run);
    const running = await this.runs.listInState('running');
    for (const run of running) this.sizeTransfers(run);
    if (running.length > 0)
      this.logger.log(`resuming ${running.length} running run(s) from their last committed round`);
    this.scheduler.addInterval(
      'round-ticker',
      this.clock.every(this.settings.tickMs, () => void this.roundService.tick()),
    );
  }

  /** Stops the timers, then waits for the work they started: the database closes only after this. */
  async onModuleDestroy(): Promise<void> {
    for (const name of this.scheduler.getIntervals()) this.scheduler.deleteInterval(name);
    for (const name of this.scheduler.getCronJobs().keys()) this.scheduler.deleteCronJob(name);
    await this.roundService.drain();
  }

  async create(raw: unknown): Promise<Ack<Run>> {
    const resolved = resolveRunConfig(raw);
    if (!resolved.ok) return fail('invalid_payload', resolved.message);
    // A spec with every input given is checked now; one left to the sites is built when the run starts.
    try {
      const spec = explicitSpec(resolved.config.model);
      if (spec) this.models.describe(spec);
    } catch (error) {
      return fail('invalid_payload', `model: ${(error as Error).message}`);
    }
    const { schedule } = resolved.config;
    const row: Run = {
      id: randomUUID(),
      name: resolved.config.name,
      // A draft until the start agrees the model's inputs with the sites (see Run.config).
      config: resolved.config as unknown as ResolvedRunConfig,
      state: 'scheduled',
      schedule: schedule ?? null,
      createdAt: this.clock.now(),
      startedAt: null,
      finishedAt: null,
      committedRound: 0,
      failure: null,
    };
    await this.runs.insert(row);
    await this.audit.record({
      actor: OPERATOR,
      action: 'run.created',
      subject: row.id,
      details: { name: row.name, strategy: resolved.config.strategy.name, rounds: resolved.config.rounds },
    });
    this.schedule(row);
    await this.summaries.publish(row.id);
    return ok(row);
  }

  /**
   * Applies an operator action; only one run may be running at a time. Throws RunTransitionError when the
   * run's state does not allow the action. Pause and stop cancel the open round, telling its sites why.
   */
  async act(
    runId: string,
    action: RunAction,
    actor: { kind: 'operator' | 'system'; id: string } = OPERATOR,
  ): Promise<Ack<Run>> {
    const run = await this.runs.find(runId);
    if (!run) return fail('not_found', `no run ${runId}`);
    const rule = ACTIONS[action];
    if (rule.to === 'running') {
      const others = (await this.runs.listInState('running')).filter((r) => r.id !== runId);
      if (others.length > 0)
        return fail('busy', `run "${others[0]!.name}" is running; pause or stop it first`);
    }
    let agreed: AgreedModel | undefined;
    if (action === 'start' && run.state === 'scheduled') {
      const agreement = await this.agreeOnModel(run, actor);
      if (!agreement.ok) return agreement;
      agreed = agreement.data;
    }
    const config = agreed ? { ...run.config, model: agreed.spec } : undefined;
    if (
      !(await this.runs.transition(runId, { from: rule.from, to: rule.to, at: this.clock.now(), config }))
    ) {
      const current = (await this.runs.find(runId))?.state ?? run.state;
      throw new RunTransitionError({ runId, action, state: current });
    }
    this.unschedule(runId);
    if (action === 'stop')
      await this.roundService.cancelOpenRound(runId, {
        reason: 'run_stopped',
        message: 'the operator stopped the run',
      });
    if (action === 'pause')
      await this.roundService.cancelOpenRound(runId, {
        reason: 'run_paused',
        message: 'the operator paused the run',
      });
    await this.audit.record({
      actor,
      action: `run.${rule.verb}`,
      subject: runId,
      details: agreed
        ? {
            name: run.name,
            derived: agreed.derived.join(', '),
            sites: agreed.sites.join(', '),
            modalities: agreed.spec.modalities.join(', '),
            texture: agreed.texture,
          }
        : { name: run.name },
    });
    const updated = (await this.runs.find(runId))!;
    await this.summaries.publish(runId);
    if (rule.to === 'running') {
      this.sizeTransfers(updated);
      void this.roundService.kick(runId);
    }
    return ok(updated);
  }

  /** The run's model as the approved sites' schemas complete and confirm it; a refusal is audited. */
  private async agreeOnModel(
    run: Run,
    actor: { kind: 'operator' | 'system'; id: string },
  ): Promise<Ack<AgreedModel>> {
    const draft = run.config as unknown as DraftRunConfig;
    const agreed = await this.agreement.agree(run.name, draft.model);
    if (!agreed.ok) {
      await this.audit.record({
        actor,
        action: 'run.start_refused',
        subject: run.id,
        outcome: 'refused',
        details: { name: run.name, reason: agreed.error.message },
      });
    }
    return agreed;
  }

  private sizeTransfers(run: Run): void {
    const params = this.models.describe(run.config.model).manifest.numParams;
    // Encoded delta: header + 4 bytes per parameter, plus the sealed box's framing.
    this.transfers.maxDeltaBytes = params * 4 + 1024 * 1024;
  }

  /** Starts a scheduled run when its cron or interval fires; a double firing starts it once. */
  private schedule(run: Run): void {
    if (!run.schedule || run.state !== 'scheduled') return;
    const spec = run.schedule;
    // A firing after the run started is refused by its state: nothing to do.
    const fire = () =>
      void this.act(run.id, 'start', { kind: 'system', id: 'scheduler' }).catch((error: unknown) => {
        if (!(error instanceof RunTransitionError)) this.logger.error(`run ${run.id}: ${String(error)}`);
      });
    const name = `run-${run.id}`;
    if (spec.cron) {
      const job = CronJob.from({ cronTime: spec.cron, onTick: fire, start: true });
      this.scheduler.addCronJob(name, job);
    } else if (spec.intervalSeconds) {
      this.scheduler.addInterval(name, this.clock.every(spec.intervalSeconds * 1000, fire));
    }
  }

  private unschedule(runId: string): void {
    const name = `run-${runId}`;
    if (this.scheduler.doesExist('cron', name)) this.scheduler.deleteCronJob(name);
    if (this.scheduler.doesExist('interval', name)) this.scheduler.deleteInterval(name);
  }

  list(): Promise<Run[]> {
    return this.runs.list();
  }

  find(runId: string): Promise<Run | undefined> {
    return this.runs.find(runId);
  }

  roundsOf(runId: string) {
    return this.rounds.listForRun(runId);
  }
}
