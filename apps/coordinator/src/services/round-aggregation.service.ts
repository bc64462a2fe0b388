import { Inject, Injectable, Logger } from '@nestjs/common';
import { RunningFedAvg, isStateful, streamsFit } from '@fedfuse/strategy';
import type {
  FitAggregate,
  FitResult,
  ParameterLayout,
  RoundFailure,
  StreamingStrategy,
} from '@fedfuse/strategy';
import { FileStoreRepository } from '../repositories/file-store.repository.ts';
import type { Round } from '../repositories/round.ts';
import type { UpdateRow } from '../repositories/rounds.repository.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import type { Run } from '../repositories/runs.repository.ts';
import type { ResolvedRunConfig } from '../run-config.ts';
import type { Database } from '../persistence/database.ts';
import { CLOCK, DATABASE } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';
import { crashPoint } from './crash-points.ts';
import { DpFedAvgSum, settleRoundPrivacy, settleSecureRoundPrivacy } from './dp-round.ts';
import type { ModelBlob } from './global-model.service.ts';
import { GlobalModelService } from './global-model.service.ts';
import { GlobalWeightsService, checkpointPath, optimizerPath } from './global-weights.service.ts';
import { OpsBroadcaster } from './ops-broadcaster.service.ts';
import { encodeSnapshot } from './optimizer-snapshot.ts';
import { RoundCancellationService } from './round-cancellation.service.ts';
import { RoundInstructionsService } from './round-instructions.service.ts';
import { RoundProgressService } from './round-progress.service.ts';
import { RoundSums } from './round-sums.service.ts';
import { RoundSitesService } from './round-sites.service.ts';
import { runStrategy } from './run-state.ts';
import { RunSummariesService } from './run-summaries.service.ts';
import { roundSkellam } from './secagg-dp.ts';
import { SecAggRoundsService } from './secagg-rounds.service.ts';
import { secureFitRows } from './secure-fit-records.ts';
import { SiteFailuresService } from './site-failures.service.ts';
import { byStableKey } from './site-keys.ts';
import { SiteSummariesService } from './site-summaries.service.ts';
import type { FitPayload } from './stored-deltas.service.ts';
import { StoredDeltas } from './stored-deltas.service.ts';
import { roundTrainingLoss } from './training-loss.ts';
import { UpdateScreeningService } from './update-screening.service.ts';

const SYSTEM = { kind: 'system', id: 'coordinator' } as const;
/** The client id the noisy DP mean goes to the strategy under (it is no single site's update). */
const DP_MEAN = 'dp-fedavg-mean';
/** The client id the unmasked secure-aggregation mean goes to the strategy under. */
const SECURE_MEAN = 'secagg-mean';

/** A round's kept updates as stored, and what turns them into the weights the strategy aggregates. */
interface StoredUpdates {
  rows: UpdateRow[];
  global: Float32Array;
  layout: ParameterLayout;
}

/** A round's new global model, written as its checkpoint but not yet committed. */
interface Checkpoint {
  config: ResolvedRunConfig;
  layout: ParameterLayout;
  /** Every fit update of the round, and the ones the norm screen kept. */
  submitted: UpdateRow[];
  kept: UpdateRow[];
  blob: ModelBlob;
  path: string;
  sha256: string;
  /** A DP round's parameters with its ε and next clip, committed with the round. */
  privacy: Round['privacy'];
  /** A secure round's sites in the sum and those whose masks were removed. */
  secure?: { survivors: string[]; dropped: string[]; errorBound: Record<string, number> };
}

/** Fit collection's end: the strategy aggregates the updates, the checkpoint is committed, evaluation asked. */
@Injectable()
export class RoundAggregationService {
  private readonly logger = new Logger('rounds');

  constructor(
    private readonly rounds: RoundsRepository,
    private readonly files: FileStoreRepository,
    private readonly deltas: StoredDeltas,
    private readonly sums: RoundSums,
    private readonly models: GlobalModelService,
    private readonly weights: GlobalWeightsService,
    private readonly screening: UpdateScreeningService,
    private readonly failures: SiteFailuresService,
    private readonly sites: RoundSitesService,
    private readonly instructions: RoundInstructionsService,
    private readonly cancellation: RoundCancellationService,
    private readonly progress: RoundProgressService,
    private readonly audit: AuditService,
    private readonly ops: OpsBroadcaster,
    private readonly runSummaries: RunSummariesService,
    private readonly siteSummaries: SiteSummariesService,
    private readonly secagg: SecAggRoundsService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DATABASE) private readonly database: Database,
  ) {}

  /**
   * Aggregates and commits the round. A failure before the commit (an unreadable update, a checkpoint
   * that cannot be written) cancels the round with reason `error`, so its sites stop and a retry starts.
   */
  async aggregate(run: Run, round: Round): Promise<void> {
    if (round.stage === 'fit') {
      await this.rounds.update(round.id, { stage: 'aggregating' });
      round = { ...round, stage: 'aggregating' };
      await this.progress.publish(round);
      await this.cancellation.releaseUploads(round);
    }
    let checkpoint: Checkpoint;
    try {
      checkpoint = await this.writeCheckpoint(run, round);
    } catch (error) {
      const message = `aggregation failed: ${(error as Error).message}`;
      this.logger.error(`run ${run.id} round ${round.number}: ${message}`);
      return this.cancellation.cancel(round, { reason: 'error', message: message.slice(0, 2000) });
    }
    await this.commit(run, round, checkpoint);
    this.secagg.end(round.id, 'the round committed');
  }

  private async writeCheckpoint(run: Run, round: Round): Promise<Checkpoint> {
    const config = run.config;
    const global = await this.weights.atRound(run, round.number - 1);
    if (global.modelHash !== round.globalHash)
      throw new Error(`round ${round.number} started from another model than checkpoint ${round.number - 1}`);
    // A secure round has no stored deltas to screen: its sites' fit rows are written at the commit.
    const { submitted, kept } = config.secureAggregation
      ? { submitted: [], kept: [] }
      : await this.screened(round, config);
    const { layout, manifest } = this.models.describe(config.model);
    const strategy = runStrategy(config, layout);
    const state = await this.weights.optimizerAt(run.id, round.number - 1);
    if (state && isStateful(strategy)) strategy.restoreState(state);
    const failures = (await this.failures.of(round.id, 'fit')).map((f) => ({
      clientId: f.siteId,
      reason: f.message,
    }));
    strategy.startFrom(round.number, global.values);
    const updates = { rows: kept, global: global.values, layout };
    if (config.secureAggregation) {
      const secure = this.secureMean(round, global.values);
      const aggregated = strategy.aggregateFit(
        round.number,
        [{ clientId: SECURE_MEAN, weights: secure.weights, numExamples: 1 }],
        failures,
      );
      const blob = await this.models.blob(aggregated.weights ?? global.values, manifest);
      return {
        ...(await this.write(run, round, blob, strategy)),
        config,
        layout,
        submitted,
        kept,
        privacy: this.securePrivacy(round, secure.sites.survivors),
        secure: secure.sites,
      };
    }
    const dp = round.privacy && (await this.dpMean(run, round, updates));
    // No weights (every update excluded): the round commits the global model unchanged.
    const aggregated = dp
      ? strategy.aggregateFit(
          round.number,
          [{ clientId: DP_MEAN, weights: dp.mean, numExamples: 1 }],
          failures,
        )
      : streamsFit(strategy)
        ? await this.aggregateStreamed(strategy, { run, round, updates, failures })
        : strategy.aggregateFit(round.number, await this.allResults(updates), failures);
    const blob = await this.models.blob(aggregated.weights ?? global.values, manifest);
    const written = await this.write(run, round, blob, strategy);
    return { ...written, config, layout, submitted, kept, privacy: dp?.privacy ?? null };
  }

  /** Writes the round's checkpoint (and the strategy's state), not yet committed. */
  private async write(run: Run, round: Round, blob: ModelBlob, strategy: ReturnType<typeof runStrategy>) {
    crashPoint('aggregation', round.number);
    const path = checkpointPath(run.id, round.number);
    const sha256 = await this.files.write(path, blob.bytes, blob.modelHash);
    if (isStateful(strategy))
      await this.files.write(optimizerPath(run.id, round.number), encodeSnapshot(strategy.snapshotState()));
    return { blob, path, sha256 };
  }

  /**
   * The unmasked mean delta of a secure round plus the global weights: one averaged update for the strategy,
   * as the DP mean is. No site's own update ever reached the coordinator.
   */
  private secureMean(round: Round, global: Float32Array) {
    const progress = this.secagg.progressOf(round.id);
    if (progress === undefined || progress === 'running' || !progress.ok)
      throw new Error(`round ${round.number} has no unmasked secure aggregate (the coordinator restarted?)`);
    const { mean, survivors, dropped, errorBound } = progress.aggregate;
    const weights = new Float32Array(global.length);
    for (let j = 0; j < weights.length; j++) weights[j] = global[j]! + mean[j]!;
    return { weights, sites: { survivors, dropped, errorBound } };
  }

  /**
   * A DP round under secure aggregation: the sites' Skellam noise is already in the unmasked sum (the
   * coordinator adds none); ε counts the survivors' noise only.
   */
  private securePrivacy(round: Round, survivors: readonly string[]): Round['privacy'] {
    if (!round.privacy) return null;
    const ins = this.secagg.instruction(round.id);
    if (!ins)
      throw new Error(`round ${round.number} has no secure-aggregation plan to account its noise with`);
    const skellam = roundSkellam({
      dp: round.privacy,
      secAgg: ins,
      selectedSites: ins.roster.length,
      contributors: survivors.length,
    });
    return settleSecureRoundPrivacy({ privacy: round.privacy, number: round.number, survivors, skellam });
  }

  /**
   * DP-FedAvg: the noisy uniform mean of the kept (clipped) deltas, handed to the strategy as the round's one
   * average (its server step, e.g. FedAdam's, is post-processing and keeps the guarantee), and the round's ε.
   */
  private async dpMean(run: Run, round: Round, updates: StoredUpdates) {
    const privacy = round.privacy!;
    const dp = run.config.privacy.dp;
    if (!dp) throw new Error(`round ${round.number} is private but the run has no privacy.dp settings`);
    const sum = new DpFedAvgSum(updates.global.length);
    const clipped: boolean[] = [];
    for (const row of updates.rows) {
      sum.add(await this.deltas.read(row));
      clipped.push((JSON.parse(row.payload) as FitPayload).clipped ?? true);
    }
    if (updates.rows.length === 0) return undefined;
    const mean = sum.noisyMean({
      base: updates.global,
      clip: privacy.clip,
      noiseMultiplier: privacy.noiseMultiplier,
    });
    const settled = settleRoundPrivacy({
      privacy,
      dp,
      number: round.number,
      contributors: updates.rows.map((row) => row.site_id),
      clipped,
    });
    return { mean, privacy: settled };
  }

  /** The round's fit updates by stable key, and the ones the norm screen kept (from their recorded norms). */
  private async screened(round: Round, config: ResolvedRunConfig) {
    const submitted = byStableKey(await this.rounds.updatesFor(round.id, 'fit'), await this.sites.keys());
    // A DP round keeps every clipped update: the clip already bounds each, and excluding by norm would
    // make who is averaged depend on the data, outside what the accountant counts.
    if (round.privacy) return { submitted, kept: submitted };
    const norms: number[] = [];
    for (const row of submitted) norms.push(await this.deltas.norm(row));
    const siteIds = submitted.map((r) => r.site_id);
    const keptIndices = await this.screening.keep({ round, config, siteIds, norms });
    return { submitted, kept: keptIndices.map((i) => submitted[i]!) };
  }

  /**
   * The running sum fed as the updates arrived when it holds exactly the kept ones; else (a restart, an
   * excluded update) rebuilt from the stored deltas one at a time, so memory stays O(model) either way.
   */
  /** The strategy's step from the round's running sum, whose memory then goes to the next round's sum. */
  private async aggregateStreamed(
    strategy: StreamingStrategy,
    o: { run: Run; round: Round; updates: StoredUpdates; failures: RoundFailure[] },
  ): Promise<FitAggregate> {
    const sum = await this.runningSum(o.run, o.round, o.updates);
    const aggregated = strategy.aggregateStreamed(o.round.number, sum, o.failures);
    this.sums.recycle(sum); // the mean is an array of its own; nothing reads the sum again
    return aggregated;
  }

  private async runningSum(run: Run, round: Round, updates: StoredUpdates): Promise<RunningFedAvg> {
    const streamed = this.sums.take(
      run.id,
      round.id,
      updates.rows.map((row) => row.message_key),
    );
    if (streamed) {
      for (const row of updates.rows) await this.deltas.verify(row);
      return streamed;
    }
    this.logger.log(`run ${run.id} round ${round.number}: rebuilding the running sum from the stored deltas`);
    const sum = new RunningFedAvg(updates.global.length, updates.layout);
    await this.forEachResult(updates, (result) => sum.add(result));
    return sum;
  }

  /** Every kept update at once, for the rules that compare them all (median, trimmed mean, Krum). */
  private async allResults(updates: StoredUpdates): Promise<FitResult[]> {
    const results: FitResult[] = [];
    await this.forEachResult(updates, (result) => results.push(result));
    return results;
  }

  /** Reads the stored updates back one at a time, as the strategy sees them: global + delta. */
  private async forEachResult(updates: StoredUpdates, use: (result: FitResult) => void): Promise<void> {
    const keys = await this.sites.keys();
    for (const row of updates.rows) {
      const delta = await this.deltas.read(row);
      const weights = new Float32Array(updates.global.length);
      for (let j = 0; j < weights.length; j++) weights[j] = updates.global[j]! + delta[j]!;
      const { groupExamples } = JSON.parse(row.payload) as FitPayload;
      const clientId = keys.get(row.site_id) ?? row.site_id;
      use({ clientId, weights, numExamples: row.num_examples, ...(groupExamples ? { groupExamples } : {}) });
    }
  }

  private async commit(run: Run, round: Round, checkpoint: Checkpoint): Promise<void> {
    const { config, submitted, kept, blob, path, sha256, privacy, secure } = checkpoint;
    crashPoint('commit', round.number);
    const plan = await this.sites.plan({
      stage: 'evaluate',
      config,
      layout: checkpoint.layout,
      round: round.number,
      weights: blob.values,
    });
    const evaluatorIds = plan.ok ? plan.siteIds : [];
    const evaluationDeadline = this.clock.now() + config.evaluationTimeoutSeconds * 1000;
    const secureFits = secure
      ? secureFitRows({
          roundId: round.id,
          survivors: secure.survivors,
          reports: this.secagg.fitReportsOf(round.id),
          at: this.clock.now(),
        })
      : [];
    const trainingLoss = roundTrainingLoss(secure ? secureFits : kept);
    // The commit point and its audit entry commit together (one fsync).
    await this.database.transaction(async () => {
      for (const row of secureFits) await this.rounds.insertUpdate(row);
      await this.rounds.commit({
        round,
        checkpoint: { path, sha256 },
        evaluators: evaluatorIds,
        evaluationDeadline,
        trainingLoss,
        privacy,
        at: this.clock.now(),
        excluded: submitted.filter((row) => !kept.includes(row)).map((row) => row.site_id),
      });
      await this.audit.record({
        actor: SYSTEM,
        action: 'round.committed',
        subject: run.id,
        details: {
          round: round.number,
          updates: kept.length,
          modelHash: sha256,
          ...(privacy ? { epsilon: privacy.epsilon, delta: privacy.delta, clip: privacy.clip } : {}),
          ...(secure
            ? {
                survivors: secure.survivors.length,
                dropped: secure.dropped.join(','),
                errorBound: Math.max(0, ...Object.values(secure.errorBound)),
              }
            : {}),
        },
      });
    });
    const committed: Round = {
      ...round,
      stage: 'evaluate',
      resultHash: sha256,
      evaluators: evaluatorIds,
      evaluationDeadlineAt: evaluationDeadline,
      trainingLoss,
      privacy,
    };
    this.recordFitMetrics(committed, kept);
    await this.progress.publish(committed);
    await this.publishCommit(run.id, kept);
    const evaluatingRun = { ...run, committedRound: round.number };
    for (const siteId of evaluatorIds)
      this.instructions.sendEvaluate({ run: evaluatingRun, round: committed, model: blob, siteId });
  }

  /** The committed round's training loss and example count, broadcast to dashboards. */
  private recordFitMetrics(round: Round, kept: readonly { num_examples: number }[]): void {
    const examples = kept.reduce((s, r) => s + r.num_examples, 0);
    const loss = round.trainingLoss;
    this.ops.emit('metricsRecorded', {
      runId: round.runId,
      roundId: round.id,
      roundNumber: round.number,
      stage: 'fit',
      at: this.clock.now(),
      metrics: { ...(loss === null ? {} : { loss }), sites: kept.length, examples },
    });
  }

  /** A commit moves the run's committed round and each contributor's rounds joined. */
  private async publishCommit(runId: string, kept: readonly { site_id: string }[]): Promise<void> {
    await this.runSummaries.publish(runId);
    for (const { site_id } of kept) await this.siteSummaries.publish(site_id).catch(() => undefined);
  }
}
