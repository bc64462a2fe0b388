import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type {
  Ack,
  ErrorCode,
  RoundSecAgg,
  SecAggFitReport,
  SecAggStage,
  SecAggSubmission,
} from '@fedfuse/protocol';
import { FlEvent, fail, ok } from '@fedfuse/protocol';
import type { SecAggErrorCode, SecAggRound } from '@fedfuse/secagg';
import type { CoordinatorSettings } from '../env.ts';
import { CLOCK, SETTINGS } from '../tokens.ts';
import type { Clock } from './clock.ts';
import { ConnectionsService } from './connections.service.ts';
import type { SecAggDriverArgs, SecAggOutcome } from './secagg-round-driver.ts';
import { SecAggRoundDriver } from './secagg-round-driver.ts';
import type { PlannedSecAgg } from './secagg-round-plan.ts';
import { TransfersService } from './transfers.service.ts';

const TICKER = 'secagg-ticker';

/** The wire code a site sees for each protocol refusal; the message keeps the precise one. */
const WIRE_CODE: Record<SecAggErrorCode, ErrorCode> = {
  invalid_payload: 'invalid_payload',
  invalid_config: 'internal',
  unknown_site: 'unknown_site',
  bad_signature: 'bad_signature',
  wrong_run: 'wrong_round',
  wrong_round: 'wrong_round',
  wrong_model: 'wrong_model',
  wrong_session: 'wrong_round',
  wrong_stage: 'wrong_stage',
  replayed: 'replayed',
  low_order_key: 'invalid_payload',
  below_threshold: 'too_few_sites',
  inconsistent_lists: 'invalid_payload',
  reconstruction_failed: 'internal',
};

/** A run's secure round: what its sites are told, the fit reports sent with masked inputs, how it ended. */
interface RunRound {
  ins: RoundSecAgg;
  fits: Map<string, SecAggFitReport>;
  outcome?: SecAggOutcome;
}

/**
 * The coordinator's secure-aggregation rounds in progress, by round id: starts a driver per round, routes
 * each site's `secagg:submit` to it and sends its stage outputs as `secagg:request`. Drivers live in memory
 * only, so a coordinator restart ends them: such a round is aborted and redone with a new round id.
 */
@Injectable()
export class SecAggRoundsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly drivers = new Map<string, SecAggRoundDriver>();
  /** The sites each driven round expects, by round id: they may open a masked input's transfer. */
  private readonly rosters = new Map<string, ReadonlySet<string>>();
  /** Runs' secure rounds by round id: what their sites are told, and how they ended once they did. */
  private readonly runRounds = new Map<string, RunRound>();
  private settled: (runId: string) => void = () => undefined;

  constructor(
    private readonly connections: ConnectionsService,
    private readonly transfers: TransfersService,
    private readonly scheduler: SchedulerRegistry,
    @Inject(SETTINGS) private readonly settings: CoordinatorSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Stage deadlines are checked on the round ticker's period, from the injected clock. */
  onApplicationBootstrap(): void {
    this.scheduler.addInterval(
      TICKER,
      this.clock.every(this.settings.tickMs, () => void this.tick()),
    );
  }

  /** A coordinator that stops ends its secure-aggregation rounds: none is resumed after a restart. */
  onModuleDestroy(): void {
    if (this.scheduler.doesExist('interval', TICKER)) this.scheduler.deleteInterval(TICKER);
    // Forgotten first: the rounds stay open in the database, and the next start cancels and redoes them.
    this.runRounds.clear();
    for (const driver of this.drivers.values()) driver.abort('the coordinator is stopping');
  }

  /** Starts driving `round`; resolves with its aggregate, or why it was aborted. */
  start(
    args: Pick<SecAggDriverArgs, 'stageMs' | 'current'> & { round: SecAggRound },
  ): Promise<SecAggOutcome> {
    const { roundId } = args.round;
    const driver = new SecAggRoundDriver({
      ...args,
      now: () => this.clock.now(),
      send: ({ siteId, request }) => this.connections.get(siteId)?.emit(FlEvent.secaggRequest, request),
    });
    this.drivers.set(roundId, driver);
    this.rosters.set(roundId, new Set(args.round.roster.keys()));
    return driver.outcome.finally(() => {
      this.drivers.delete(roundId);
      this.rosters.delete(roundId);
    });
  }

  /** Called with the run's id when one of its secure rounds ends, so the run can commit or cancel it. */
  onSettled(listener: (runId: string) => void): void {
    this.settled = listener;
  }

  /**
   * Drives a run's secure round. Sites mask their deltas, so a group no survivor trained keeps a zero delta
   * (the global weights); the outcome is kept for `progressOf` until `end`.
   */
  drive(planned: PlannedSecAgg, stageMs: Readonly<Record<SecAggStage, number>>): void {
    const { roundId, runId, layout } = planned.round;
    const entry: RunRound = { ins: planned.ins, fits: new Map() };
    this.runRounds.set(roundId, entry);
    void this.start({ round: planned.round, stageMs, current: new Float32Array(layout.length) }).then(
      (outcome) => {
        if (this.runRounds.get(roundId) !== entry) return;
        entry.outcome = outcome;
        this.settled(runId);
      },
    );
  }

  /** What the round's selected sites are told (FitIns.privacy.secAgg); undefined for a round not driven here. */
  instruction(roundId: string): RoundSecAgg | undefined {
    return this.runRounds.get(roundId)?.ins;
  }

  /** `running` while driven, its outcome once ended, undefined when this coordinator never drove it (a restart). */
  progressOf(roundId: string): 'running' | SecAggOutcome | undefined {
    const entry = this.runRounds.get(roundId);
    return entry && (entry.outcome ?? 'running');
  }

  /** Each site's fit report, sent with a masked input the driver accepted (survivors or not). */
  fitReportsOf(roundId: string): ReadonlyMap<string, SecAggFitReport> {
    return this.runRounds.get(roundId)?.fits ?? new Map();
  }

  /** Forgets a committed or cancelled round, aborting its driver if it still runs. */
  end(roundId: string, reason: string): void {
    this.runRounds.delete(roundId);
    this.drivers.get(roundId)?.abort(reason);
  }

  /** Whether a round in progress expects this site (its masked input may arrive as a chunked transfer). */
  expects(siteId: string): boolean {
    for (const roster of this.rosters.values()) if (roster.has(siteId)) return true;
    return false;
  }

  /** One site's answer to a stage, from its authenticated connection. */
  async receive(siteId: string, envelope: SecAggSubmission): Promise<Ack> {
    const driver = this.drivers.get(envelope.roundId);
    if (!driver)
      return fail('wrong_round', `round ${envelope.roundId} has no secure aggregation in progress`);
    let raw: unknown = envelope.message;
    let fit: SecAggFitReport | undefined;
    if (envelope.stage === 'masked-input') {
      // The words came before as a transfer from this connection; the submission names it.
      const { transfer, fit: report, ...ids } = envelope.message;
      const words = this.transfers.take(siteId, transfer);
      if (!words.ok) return words;
      raw = { ...ids, masked: words.data };
      fit = report;
    }
    const answer = await driver.receive({ siteId, stage: envelope.stage, raw });
    if (!answer.ok) return fail(WIRE_CODE[answer.code], `${answer.code}: ${answer.message}`);
    // Kept only once the driver took the masked input: a refused one leaves no report behind.
    if (fit) this.runRounds.get(envelope.roundId)?.fits.set(siteId, fit);
    return ok();
  }

  /** Closes every stage whose deadline has passed (from the coordinator's tick). */
  async tick(): Promise<void> {
    await Promise.all([...this.drivers.values()].map((driver) => driver.tick()));
  }
}
