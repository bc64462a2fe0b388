import type { Identity } from '@fedfuse/crypto';
import type { Ack, FitIns, FitRecordLevel, SecAggSubmission } from '@fedfuse/protocol';
import { FlEvent, fail, flServerEventSchemas, ok, parseOrError } from '@fedfuse/protocol';
import type { SiteUpdate } from '@fedfuse/secagg';

import { clipForRound } from '../fl/dp-clip.ts';
import { buildFitResult } from '../fl/fit-result.ts';
import type { PoisonKind } from '../fl/poison.ts';
import { poisonDelta } from '../fl/poison.ts';
import { policyRefusal, roundCost } from '../fl/privacy-policy.ts';
import type { RecordLevelCost } from '../fl/record-level-cost.ts';
import { recordLevelCost } from '../fl/record-level-cost.ts';
import { noisedUpdate, secureDpNoise } from '../fl/secagg-dp.ts';
import { secAggFitReport } from '../fl/secagg-fit-report.ts';
import { secAggRoundOf } from '../fl/secagg-round.ts';
import type { SecAggUpdateDumper } from '../fl/secagg-update-dump.ts';
import { checkSpecFit } from '../fl/spec-fit.ts';
import type { Logger } from '../log/logger.ts';
import type { PrivacyPolicy } from '../store/client-config.ts';
import type { PendingStore } from '../store/pending-store.ts';
import type { PrivacyLedger } from '../store/privacy-ledger.ts';
import type { DataSummary } from '../trainer/messages.ts';
import type { SiteTrainer } from '../trainer/site-trainer.ts';
import type { FailureReporter } from './failure-reporter.ts';
import { errorMessage } from './failure-reporter.ts';
import type { FitUploader } from './fit-uploader.ts';
import type { RoundProgress } from './round-progress.ts';
import type { ChunkSend } from './masked-upload.ts';
import { SecAggSession } from './secagg-session.ts';
import type { TrainOutcome } from '../trainer/messages.ts';
import type { WeightsSource } from './weights-source.ts';

interface FitJob {
  roundId: string;
  roundNumber: number;
  modelHash: string;
  abort: AbortController;
  /** Record-level DP-SGD rounds: the site's per-patient ε with this round, reported in FitRes. */
  recordLevel: RecordLevelCost | null;
  /** A securely aggregated round: the delta goes to this session, masked, and is never uploaded plain. */
  secAgg: SecAggSession | undefined;
}

/** Everything a FitHandler works with. */
export interface FitHandlerDeps {
  site: Identity;
  siteId: string;
  coordinatorBoxKey: Uint8Array;
  data: DataSummary;
  trainer: SiteTrainer;
  weights: WeightsSource;
  pending: PendingStore;
  uploader: FitUploader;
  failures: FailureReporter;
  progress: RoundProgress;
  log: Logger;
  /** client.yaml's privacy rules, and the site's own account of what each run spent. */
  privacy: { policy: PrivacyPolicy; ledger: PrivacyLedger };
  chunkBytes?: number;
  /** A simulated attack (FEDFUSE_SIMULATED_POISON): every delta is poisoned before it is sealed. */
  poison?: PoisonKind;
  /** Test only (FEDFUSE_TEST_DUMP_SECAGG_UPDATES): writes each secure round's own update, unmasked. */
  dumpSecAggUpdates?: SecAggUpdateDumper;
  /** Sends one secure-aggregation answer (`secagg:submit`); a lost connection is a failed Ack. */
  sendSecAgg: (submission: SecAggSubmission) => Promise<Ack<unknown>>;
  /** Sends one chunk of a masked input's transfer (`delta:chunk`). */
  sendMaskedChunk: ChunkSend;
}

/**
 * `round:start`: acknowledge at once, then fetch and verify the global model, train in the worker, seal
 * the delta, persist it and upload it. One training round at a time; a result already computed for the
 * same round and model is re-sent instead of retrained.
 */
export class FitHandler {
  private current: FitJob | undefined;
  /** The latest secure round's session: it answers the unmasking stages after training has ended. */
  private secAgg: { roundId: string; session: SecAggSession } | undefined;

  constructor(private readonly deps: FitHandlerDeps) {}

  /** Handle a `round:start` and return its acknowledgement. */
  onRoundStart(raw: unknown): Ack<undefined> {
    const parsed = parseOrError(flServerEventSchemas[FlEvent.roundStart].payload, raw);
    if (!parsed.ok) return parsed;
    const ins = parsed.data;
    const { log } = this.deps;
    const cached = this.deps.pending.find(ins.roundId, ins.model.modelHash);
    if (cached) {
      log.info('round already trained; re-sending the result', {
        roundId: ins.roundId,
        roundNumber: ins.roundNumber,
      });
      void this.deps.uploader.upload(cached);
      return ok(undefined);
    }
    const current = this.current;
    if (current?.roundId === ins.roundId && current.modelHash === ins.model.modelHash) return ok(undefined);
    // A secure round re-sent after a reconnect keeps its session: new keys would be refused mid-round.
    if (this.secAgg?.roundId === ins.roundId) return ok(undefined);
    if (current) return fail('busy', `still training round ${current.roundNumber} (${current.roundId})`);
    const fit = checkSpecFit(ins.modelSpec, this.deps.data);
    if (fit.error) {
      log.error('cannot train this round', { roundId: ins.roundId, reason: fit.error });
      return fail('invalid_payload', fit.error);
    }
    fit.warnings.forEach((w) => log.warn(w, { roundId: ins.roundId }));
    const secAgg = ins.privacy?.secAgg ? secAggRoundOf(ins, this.deps.siteId) : undefined;
    if (secAgg && !secAgg.ok) {
      log.error('cannot join the secure aggregation', { roundId: ins.roundId, reason: secAgg.message });
      return fail('invalid_payload', secAgg.message);
    }
    const { refusal, recordLevel } = this.checkPrivacy(ins);
    if (refusal) {
      log.error("this site's privacy policy refuses the round", {
        roundId: ins.roundId,
        code: refusal.code,
        reason: refusal.message,
      });
      return fail(refusal.code, refusal.message);
    }
    const session =
      secAgg &&
      new SecAggSession({
        round: secAgg.round,
        identity: this.deps.site,
        siteId: this.deps.siteId,
        send: this.deps.sendSecAgg,
        sendChunk: this.deps.sendMaskedChunk,
        onQuantised: this.deps.dumpSecAggUpdates?.quantised.bind(this.deps.dumpSecAggUpdates, ins.roundId),
      });
    this.start(ins, recordLevel, session);
    return ok(undefined);
  }

  /** A `secagg:request` for the round in training: its session answers it; any other is ignored. */
  onSecAggRequest(raw: unknown): void {
    const parsed = parseOrError(flServerEventSchemas[FlEvent.secaggRequest].payload, raw);
    if (!parsed.ok)
      return this.deps.log.warn('ignored a malformed secagg:request', { reason: parsed.error.message });
    if (parsed.data.roundId !== this.secAgg?.roundId) return;
    const { session } = this.secAgg;
    void session.onRequest(parsed.data).then(() => this.reportStopped(session));
  }

  private reportStopped(session: SecAggSession): void {
    if (session.stopped) this.deps.log.error('secure aggregation stopped', { reason: session.stopped });
  }

  /** Holds the round to client.yaml's privacy policy; an accepted DP round is recorded in the ledger first. */
  private checkPrivacy(ins: FitIns) {
    const { policy, ledger } = this.deps.privacy;
    const recorded = ledger.get(ins.runId);
    const cost = roundCost({
      privacy: ins.privacy,
      roundNumber: ins.roundNumber,
      recorded: recorded?.rounds ?? [],
      recordedDelta: recorded?.delta,
    });
    const recordLevel = recordLevelCost({
      config: ins.config,
      roundNumber: ins.roundNumber,
      datasetSize: this.deps.data.trainPatients,
      recorded: ledger.getRecordLevel(ins.runId),
    });
    const refusal = policyRefusal({ policy, privacy: ins.privacy, cost, recordLevel });
    if (refusal) return { refusal, recordLevel };
    if (recordLevel) this.recordRecordLevel(ins.runId, recordLevel);
    if (cost.epsilon === null || cost.delta === null) return { refusal, recordLevel };
    void ledger
      .record(ins.runId, {
        delta: cost.delta,
        rounds: cost.rounds,
        epsilon: cost.epsilon,
        maxEpsilon: policy.maxEpsilon ?? null,
        updatedAt: Date.now(),
      })
      .catch((err: unknown) => this.deps.log.warn('could not write the privacy ledger', { err }));
    return { refusal, recordLevel };
  }

  private recordRecordLevel(runId: string, cost: RecordLevelCost): void {
    const { policy, ledger } = this.deps.privacy;
    const budget = {
      delta: cost.delta,
      rounds: cost.rounds,
      epsilon: cost.epsilon,
      maxEpsilon: policy.maxEpsilon ?? null,
      updatedAt: Date.now(),
    };
    void ledger
      .recordRecordLevel(runId, budget)
      .catch((err: unknown) => this.deps.log.warn('could not write the privacy ledger', { err }));
  }

  /** Stop work on a cancelled round and discard its result. */
  async cancel(roundId: string): Promise<void> {
    if (this.secAgg?.roundId === roundId) this.secAgg = undefined;
    if (this.current?.roundId === roundId) {
      this.current.abort.abort();
      // The next round may start now; the worker runs it after the cancelled one's training returns.
      this.current = undefined;
    }
    if (!this.deps.pending.has(roundId)) return;
    await this.deps.uploader.discard(roundId);
    this.deps.log.info('discarded the result of a cancelled round', { roundId });
  }

  /** Abort the round in progress (shutdown). */
  close(): void {
    this.current?.abort.abort();
  }

  private start(ins: FitIns, recordLevel: RecordLevelCost | null, secAgg?: SecAggSession): void {
    const job: FitJob = {
      secAgg,
      roundId: ins.roundId,
      roundNumber: ins.roundNumber,
      modelHash: ins.model.modelHash,
      abort: new AbortController(),
      recordLevel,
    };
    this.current = job;
    // Keys are advertised at once: key sharing runs while the site trains.
    if (secAgg) {
      this.secAgg = { roundId: ins.roundId, session: secAgg };
      void secAgg.start().then(() => this.reportStopped(secAgg));
    }
    void this.run(ins, job)
      .catch((err: unknown) => {
        if (job.abort.signal.aborted) return;
        this.deps.log.error('training round failed', {
          roundId: ins.roundId,
          roundNumber: ins.roundNumber,
          err,
        });
      })
      .finally(() => {
        if (this.current === job) this.current = undefined;
      });
  }

  private async run(ins: FitIns, job: FitJob): Promise<void> {
    const { deps } = this;
    const { signal } = job.abort;
    deps.log.info('round started', {
      roundId: ins.roundId,
      roundNumber: ins.roundNumber,
      epochs: ins.config.epochs,
    });
    const global = await deps.weights.get({
      roundId: ins.roundId,
      model: ins.model,
      spec: ins.modelSpec,
      signal,
    });
    if (signal.aborted) return;
    const bar = deps.progress.start(`round ${ins.roundNumber} training`, ins.config.epochs);
    const outcome = await deps.trainer
      .train(
        { spec: ins.modelSpec, manifest: ins.model.manifest, global, config: ins.config },
        (epoch, _epochs, loss) => bar.update(epoch, `loss ${loss.toFixed(4)}`),
      )
      .catch(async (err: unknown) => {
        // Training is seeded by the round: the same inputs fail the same way, so a retry cannot help.
        if (!signal.aborted)
          await deps.failures.report({
            runId: ins.runId,
            roundId: ins.roundId,
            stage: 'fit',
            code: 'training_error',
            message: errorMessage(err),
            retryable: false,
          });
        throw err;
      })
      .finally(() => bar.finish());
    if (signal.aborted) return deps.log.info('round cancelled; result discarded', { roundId: ins.roundId });
    const loss = outcome.lossPerEpoch.at(-1);
    deps.log.info('local training done', {
      roundId: ins.roundId,
      numExamples: outcome.numExamples,
      loss,
      seconds: outcome.seconds,
    });
    if (deps.poison) {
      deps.log.warn('SIMULATED ATTACK: poisoning this delta', { roundId: ins.roundId, poison: deps.poison });
      poisonDelta(outcome.delta, deps.poison);
    }
    const privacy = clipForRound(outcome.delta, ins);
    if (privacy)
      deps.log.info('delta clipped for differential privacy', { roundId: ins.roundId, ...privacy });
    if (job.secAgg) return this.provideMasked({ session: job.secAgg, outcome, ins, job });
    const result = await buildFitResult({
      site: deps.site,
      siteId: deps.siteId,
      coordinatorBoxKey: deps.coordinatorBoxKey,
      ins,
      training: outcome,
      ...(privacy ? { privacy: { clipped: privacy.clipped } } : {}),
      ...(job.recordLevel ? { recordLevel: recordLevelReport(job.recordLevel) } : {}),
      chunkBytes: deps.chunkBytes,
    });
    await deps.pending.save(result);
    if (signal.aborted) return deps.uploader.discard(ins.roundId);
    await deps.uploader.upload(result);
  }

  /** The delta goes only to the secure-aggregation session, masked; nothing is sealed or stored plain. */
  private async provideMasked(args: {
    session: SecAggSession;
    outcome: TrainOutcome;
    ins: FitIns;
    job: FitJob;
  }): Promise<void> {
    const { session, outcome, ins, job } = args;
    const update = secureUpdate(outcome, ins);
    this.deps.dumpSecAggUpdates?.delta({
      siteId: this.deps.siteId,
      roundId: ins.roundId,
      numExamples: update.numExamples,
      groupExamples: update.groupExamples ?? {},
      layout: ins.privacy!.secAgg!.layout,
      delta: outcome.delta,
    });
    const fit = secAggFitReport(outcome, job.recordLevel && recordLevelReport(job.recordLevel));
    if (!fit.ok) this.deps.log.warn('training report left out of the secure round', { reason: fit.reason });
    await session.provide(update, fit.ok ? fit.report : undefined);
    if (session.stopped) return this.reportStopped(session);
    this.deps.log.info('delta handed to secure aggregation (masked)', { roundId: ins.roundId });
  }
}

/**
 * What this site puts into the masked sum: under DP equal weights and its share of the Skellam noise, added
 * before masking; otherwise its delta weighted by the examples behind each parameter group.
 */
function secureUpdate(outcome: TrainOutcome, ins: FitIns): SiteUpdate {
  const secAgg = ins.privacy!.secAgg!;
  const dp = secureDpNoise(ins);
  if (dp?.ok)
    return noisedUpdate({ delta: outcome.delta, maxExamples: secAgg.maxExamples, siteMu: dp.noise.siteMu });
  const groups = new Set(secAgg.layout.groups.map((g) => g.name));
  const groupExamples = Object.fromEntries(
    Object.entries(outcome.groupExamples).filter(([name]) => groups.has(name)),
  );
  return { weights: outcome.delta, numExamples: outcome.numExamples, groupExamples };
}

/** What FitRes says of the site's record-level ε (the rounds behind it stay in its own ledger). */
function recordLevelReport(cost: RecordLevelCost): FitRecordLevel {
  return { epsilon: cost.epsilon, delta: cost.delta, epochs: cost.epochs };
}
