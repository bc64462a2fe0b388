import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ParameterLayout } from '@fedfuse/strategy';
import type { Round } from '../repositories/round.ts';
import { newRound } from '../repositories/round.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import type { Run } from '../repositories/runs.repository.ts';
import type { ResolvedRunConfig } from '../run-config.ts';
import type { Database } from '../persistence/database.ts';
import { CLOCK, DATABASE } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';
import { crashPoint } from './crash-points.ts';
import { GlobalModelService } from './global-model.service.ts';
import { GlobalWeightsService } from './global-weights.service.ts';
import { RoundInstructionsService } from './round-instructions.service.ts';
import { RoundPrivacyService } from './round-privacy.service.ts';
import { exactQuantisation } from '../secure-aggregation-plan.ts';
import { reportedCounts } from './reported-counts.ts';
import { dpQuantisation, secureRoundPrivacy } from './secagg-dp.ts';
import { RoundProgressService } from './round-progress.service.ts';
import { RoundSitesService } from './round-sites.service.ts';
import type { PlannedSecAgg } from './secagg-round-plan.ts';
import { planSecAggRound } from './secagg-round-plan.ts';
import { SecAggRoundsService } from './secagg-rounds.service.ts';

/** Attempts at one round number (operator pauses and stops not counted) before the run fails. */
const MAX_ATTEMPTS = 3;
const SYSTEM = { kind: 'system', id: 'coordinator' } as const;

/** What starting the next round came to. */
export type StartOutcome =
  | { kind: 'started'; round: Round }
  /** The strategy found too few sites: try again on the next tick. */
  | { kind: 'waiting'; message: string }
  /** The round failed MAX_ATTEMPTS times: the run fails with this message. */
  | { kind: 'exhausted'; message: string }
  /** Another tick, cron or coordinator started this attempt first. */
  | { kind: 'raced' };

/** Starts a run's next round: the strategy samples the sites, the round is stored, the sites are instructed. */
@Injectable()
export class RoundStartService {
  private readonly logger = new Logger('rounds');
  private readonly waiting = new Map<string, string>();

  constructor(
    private readonly rounds: RoundsRepository,
    private readonly models: GlobalModelService,
    private readonly weights: GlobalWeightsService,
    private readonly sites: RoundSitesService,
    private readonly instructions: RoundInstructionsService,
    private readonly progress: RoundProgressService,
    private readonly privacy: RoundPrivacyService,
    private readonly audit: AuditService,
    private readonly secagg: SecAggRoundsService,
    private readonly registry: SitesRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DATABASE) private readonly database: Database,
  ) {}

  async start(run: Run, config: ResolvedRunConfig): Promise<StartOutcome> {
    const number = run.committedRound + 1;
    const retries = await this.rounds.countAttempts(run.id, number, { retriesOnly: true });
    if (retries >= MAX_ATTEMPTS) {
      const last = (await this.rounds.listForRun(run.id)).filter((r) => r.number === number).at(-1);
      const message = `round ${number} failed ${retries} times${last?.failure ? `; last: ${last.failure}` : ''}`;
      return { kind: 'exhausted', message };
    }
    const global = await this.weights.current(run);
    const { layout } = this.models.describe(config.model);
    const plan = await this.sites.plan({
      stage: 'fit',
      config,
      layout,
      round: number,
      weights: global.values,
    });
    if (!plan.ok) {
      if (this.waiting.get(run.id) !== plan.message)
        this.logger.log(`run ${run.name}: waiting for sites (${plan.message})`);
      this.waiting.set(run.id, plan.message);
      return { kind: 'waiting', message: plan.message };
    }
    this.waiting.delete(run.id);
    const now = this.clock.now();
    const round = newRound({
      runId: run.id,
      number,
      attempt: await this.rounds.countAttempts(run.id, number),
      selectedSites: plan.siteIds,
      globalHash: global.modelHash,
      startedAt: now,
      deadlineAt: now + config.roundTimeoutSeconds * 1000,
      privacy: await this.privacy.plan(run, plan.siteIds.length),
    });
    const secure = await this.planSecure({ run, config, round, layout, length: global.values.length });
    if (secure && !secure.ok) return { kind: 'exhausted', message: secure.message };
    // Under secure aggregation a DP round's noise comes from the sites: account it as distributed Skellam.
    if (secure && round.privacy) round.privacy = secureRoundPrivacy(round.privacy, secure.planned.ins);
    // The unique (run, number, attempt) key makes this start idempotent across ticks, crons and instances.
    // The round and its audit entry commit together (one fsync).
    const created = await this.database.transaction(async () => {
      if (!(await this.rounds.insertIfAbsent(round))) return false;
      await this.audit.record({
        actor: SYSTEM,
        action: 'round.started',
        subject: run.id,
        details: { round: number, attempt: round.attempt, sites: plan.siteIds.length },
      });
      return true;
    });
    if (!created) return { kind: 'raced' };
    crashPoint('selection', number);
    // The driver is there before any site can advertise.
    if (secure) this.secagg.drive(secure.planned, secAggStageMs(config));
    await this.progress.publish(round);
    const keys = await this.sites.keys();
    for (const siteId of plan.siteIds)
      this.instructions.sendFit({ run, round, global, siteId, siteKey: keys.get(siteId)! });
    return { kind: 'started', round };
  }

  /** A secure run's round: the plan for the selected sites, their enrolled keys, the model's groups. */
  private async planSecure(o: {
    run: Run;
    config: ResolvedRunConfig;
    round: Round;
    layout: ParameterLayout;
    length: number;
  }): Promise<{ ok: true; planned: PlannedSecAgg } | { ok: false; message: string } | undefined> {
    const option = o.config.secureAggregation;
    if (!option) return undefined;
    const enrolled = new Map((await this.registry.list()).map((site) => [site.id, site]));
    const dp = o.round.privacy;
    const selected = o.round.selectedSites.map((id) => enrolled.get(id)!);
    const quantisation = dp
      ? dpQuantisation({
          sites: selected.length,
          clip: dp.clip,
          noiseMultiplier: dp.noiseMultiplier,
          dimension: o.length,
        })
      : {
          ok: true as const,
          ...exactQuantisation({
            sites: selected.length,
            trainCounts: selected.map((site) => reportedCounts(site)?.train),
          }),
        };
    if (!quantisation.ok) return quantisation;
    return planSecAggRound({
      quantisation,
      config: option,
      runId: o.run.id,
      roundId: o.round.id,
      modelHash: o.round.globalHash,
      sites: selected,
      layout: o.layout,
      length: o.length,
    });
  }
}

/** Every stage may wait the round's timeout: masked-input spans the sites' training. */
function secAggStageMs(config: ResolvedRunConfig) {
  const ms = config.roundTimeoutSeconds * 1000;
  return { advertise: ms, 'share-keys': ms, 'masked-input': ms, consistency: ms, unmask: ms };
}
