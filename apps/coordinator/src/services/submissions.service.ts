import { Inject, Injectable } from '@nestjs/common';
import type { Ack, ErrorCode, EvaluateRes, FitRes, SiteSession, SubmitReceipt } from '@fedfuse/protocol';
import { fail, ok } from '@fedfuse/protocol';
import { messageKeyString, sealedNonce, toBase64, toHex } from '@fedfuse/crypto';
import { streamsFit } from '@fedfuse/strategy';
import type { ParameterLayout } from '@fedfuse/strategy';
import { FileStoreRepository } from '../repositories/file-store.repository.ts';
import { IdentityRepository } from '../repositories/identity.repository.ts';
import type { Round } from '../repositories/round.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import type { Run } from '../repositories/runs.repository.ts';
import { RunsRepository } from '../repositories/runs.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import type { Database } from '../persistence/database.ts';
import { CLOCK, DATABASE } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';
import { GlobalModelService } from './global-model.service.ts';
import { RoundService } from './round.service.ts';
import { RunLocks } from './run-locks.service.ts';
import { SiteSummariesService } from './site-summaries.service.ts';
import type { SiteRefusal } from '../admission/site-refusals.service.ts';
import { SiteRefusals } from '../admission/site-refusals.service.ts';
import { TransfersService } from './transfers.service.ts';
import { ConcurrencyLimit } from './concurrency-limit.ts';
import { crashPoint } from './crash-points.ts';
import { openFit } from './fit-opening.ts';
import { GlobalWeightsService } from './global-weights.service.ts';
import { recordLevelProblem } from './record-level.ts';
import { RoundSums } from './round-sums.service.ts';
import { runStrategy } from './run-state.ts';
import type { FitPayload } from './stored-deltas.service.ts';
import type { ReportedCounts } from './reported-counts.ts';
import { evaluationProblem, fitExamplesProblem, reportedCounts } from './reported-counts.ts';

type Stage = 'fit' | 'evaluate';

/** Accepts or refuses what sites send back; a refusal is logged with its reason and stores nothing. */
/** One fit submission on its way in: the sealed delta and what it was checked against so far. */
interface FitSubmission {
  run: Run;
  round: Round;
  session: SiteSession;
  res: FitRes;
  sealed: Uint8Array;
  messageKey: string;
  nonceHex: string;
}

@Injectable()
export class SubmissionsService {
  constructor(
    private readonly runs: RunsRepository,
    private readonly rounds: RoundsRepository,
    private readonly sites: SitesRepository,
    private readonly files: FileStoreRepository,
    private readonly identity: IdentityRepository,
    private readonly models: GlobalModelService,
    private readonly transfers: TransfersService,
    private readonly audit: AuditService,
    private readonly roundService: RoundService,
    private readonly locks: RunLocks,
    private readonly siteSummaries: SiteSummariesService,
    private readonly refusals: SiteRefusals,
    private readonly weights: GlobalWeightsService,
    private readonly sums: RoundSums,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DATABASE) private readonly database: Database,
  ) {}

  /** Two updates opened and written at a time: one decrypts while the other waits for fsync, and no more
   * than two plaintexts are held however many sites submit together. */
  private readonly opening = new ConcurrencyLimit(2);
  /** Fit messages being opened and recorded, by message key. */
  private readonly inFlight = new Map<string, Promise<Ack<SubmitReceipt>>>();

  /** Records the refusal (folded when it repeats, see SiteRefusals) and returns the site's answer. */
  refuse(context: SiteRefusal): Promise<{ ok: false; error: { code: ErrorCode; message: string } }> {
    return this.refusals.refuse(context);
  }

  /** What the site last reported about its data (undefined if it never reported). */
  private async reported(siteId: string): Promise<ReportedCounts | undefined> {
    const site = await this.sites.find(siteId);
    return site ? reportedCounts(site) : undefined;
  }

  /** The current round if `roundId` is it and it is in `stage`, else why not. */
  private async currentRound(context: {
    runId: string;
    roundId: string;
    siteId: string;
    stage: Stage;
  }): Promise<Ack<Round>> {
    const round = await this.rounds.find(context.roundId);
    if (!round || round.runId !== context.runId)
      return fail('wrong_round', `round ${context.roundId} is not a round of run ${context.runId}`);
    const open = await this.rounds.findOpen(round.runId);
    if (open?.id !== round.id)
      return fail(
        'wrong_round',
        `round ${round.number} (attempt ${round.attempt + 1}) is closed; it is not the current round`,
      );
    if (round.stage !== context.stage)
      return fail(
        'too_late',
        `round ${round.number} is in ${round.stage}, no longer taking ${context.stage} results`,
      );
    const deadline = context.stage === 'fit' ? round.deadlineAt : (round.evaluationDeadlineAt ?? 0);
    if (this.clock.now() > deadline) return fail('too_late', `round ${round.number} closed at its deadline`);
    const expected = context.stage === 'fit' ? round.selectedSites : round.evaluators;
    if (!expected.includes(context.siteId))
      return fail('wrong_round', `this site was not selected for round ${round.number}`);
    return ok(round);
  }

  /**
   * A fit update: opened, decoded, validated, stored and added into the round's running sum before the run's
   * lock, so sites' updates are processed side by side; the lock then only re-checks the round and records
   * the update. One message is processed once at a time: a resend while it is in flight gets its outcome.
   */
  async submitFit(session: SiteSession, res: FitRes): Promise<Ack<SubmitReceipt>> {
    const siteId = session.siteId;
    // Opening the sealed box authenticates every byte: the transfer's own hash is not computed again.
    const bytes = this.transfers.take(siteId, res.delta.transfer, true);
    const refuse = (code: ErrorCode, message: string) =>
      this.refuse({ siteId, roundId: res.roundId, code, message });
    const run = await this.runs.find(res.runId);
    if (!run) return refuse('wrong_round', `no run ${res.runId}`);
    // Only masked inputs (secagg:submit) may leave a site in a secure run: a plain delta is not even opened.
    if (run.config.secureAggregation)
      return refuse(
        'invalid_payload',
        `run ${run.id} is securely aggregated: a plain delta is refused unopened; send it masked (secagg:submit)`,
      );
    const current = await this.currentRound({ runId: res.runId, roundId: res.roundId, siteId, stage: 'fit' });
    if (!current.ok) return refuse(current.error.code, current.error.message);
    const round = current.data;
    if (!bytes.ok) return refuse(bytes.error.code, bytes.error.message);
    const overclaimed = fitExamplesProblem(res.numExamples, await this.reported(siteId));
    if (overclaimed) return refuse('invalid_payload', overclaimed);
    const unaccounted = recordLevelProblem(run.config, res);
    if (unaccounted) return refuse('invalid_payload', unaccounted);
    const nonce = sealedNonce(bytes.data);
    if (!nonce || toBase64(nonce) !== res.delta.nonce)
      return refuse(
        'invalid_payload',
        'the submission names another box nonce than the sealed delta carries',
      );
    const nonceHex = toHex(nonce);
    const messageKey = messageKeyString({ siteId, roundId: round.id, stage: 'fit', nonce: nonceHex });
    const inFlight = this.inFlight.get(messageKey);
    if (inFlight) return inFlight;
    const accepted = this.acceptFit({ run, round, session, res, sealed: bytes.data, messageKey, nonceHex });
    this.inFlight.set(messageKey, accepted);
    try {
      return await accepted;
    } finally {
      this.inFlight.delete(messageKey);
    }
  }

  private async acceptFit(o: FitSubmission): Promise<Ack<SubmitReceipt>> {
    const { run, round, res, messageKey } = o;
    const siteId = o.session.siteId;
    const refuse = (code: ErrorCode, message: string) =>
      this.refuse({ siteId, roundId: res.roundId, code, message });
    const known = await this.alreadyIn({ round, siteId, messageKey });
    if (known) return known.ok ? known : refuse(known.error.code, known.error.message);
    // Once stored and added to the sum, nothing holds a view of the transfer's bytes: they are reused.
    const stored = await this.opening.run(() =>
      this.openAndStore(o).finally(() => this.transfers.release(o.sealed)),
    );
    if (!stored.ok) return refuse(stored.error.code, stored.error.message);
    const { path, sha256, bytes, norm } = stored.data;
    const outcome = await this.locks.run(run.id, () =>
      this.recordFit({ run, round, res, siteId, messageKey, path, sha256, bytes, norm }),
    );
    if (outcome.ok) void this.roundService.kick(run.id);
    else await this.files.remove(path);
    return outcome;
  }

  /** Opens, validates and stores the delta and adds it to the round's running sum; records nothing. */
  private async openAndStore(
    o: FitSubmission,
  ): Promise<Ack<{ path: string; sha256: string; bytes: number; norm: number }>> {
    const { run, round, res } = o;
    const model = this.models.describe(run.config.model);
    const opened = await openFit({
      coordinator: this.identity.get(),
      siteBoxKey: o.session.boxKey,
      siteId: o.session.siteId,
      round,
      res,
      sealed: o.sealed,
      config: run.config,
      model,
    });
    if (!opened.ok) return opened;
    // The nonce names the file: two different messages of one site never write the same file.
    const path = `runs/${run.id}/rounds/${round.number}-${round.attempt}/${o.session.siteId}.${o.nonceHex.slice(0, 16)}.delta.ffwt`;
    const sha256 = await this.files.write(path, opened.data.payload);
    const { messageKey } = o;
    await this.addToSum({ run, round, messageKey, delta: opened.data.delta, layout: model.layout, res });
    return ok({ path, sha256, bytes: opened.data.payload.byteLength, norm: opened.data.norm });
  }

  /** The receipt of this very message when it was accepted already, a refusal when the site's update is in. */
  private async alreadyIn(o: { round: Round; siteId: string; messageKey: string }) {
    const previous = await this.rounds.findUpdateByKey(o.messageKey);
    if (previous)
      return ok({
        roundId: o.round.id,
        messageKey: o.messageKey,
        acceptedAt: previous.received_at,
        alreadyAccepted: true,
      });
    if (await this.rounds.findUpdate({ roundId: o.round.id, siteId: o.siteId, stage: 'fit' }))
      return fail('duplicate', `this site already contributed to round ${o.round.number}`);
    return undefined;
  }

  /** Adds the update into the round's running sum when the run's strategy aggregates from one. */
  private async addToSum(o: {
    run: Run;
    round: Round;
    messageKey: string;
    delta: Float32Array;
    layout: ParameterLayout;
    res: FitRes;
  }): Promise<void> {
    const { run, round } = o;
    // A DP round averages the clipped deltas uniformly, rebuilt from the stored ones at aggregation.
    if (round.privacy || !streamsFit(runStrategy(run.config, o.layout))) return;
    const base = await this.sums.base(run.id, round.id, async () => {
      // Unreadable, or another model than the round's: aggregation rebuilds or refuses the round itself.
      const global = await this.weights.atRound(run, round.number - 1).catch(() => undefined);
      return global?.modelHash === round.globalHash ? global.values : undefined;
    });
    if (!base) return;
    this.sums.add({
      runId: run.id,
      roundId: round.id,
      messageKey: o.messageKey,
      base,
      delta: o.delta,
      layout: o.layout,
      numExamples: o.res.numExamples,
      ...(o.res.groupExamples ? { groupExamples: o.res.groupExamples } : {}),
    });
  }

  /** Under the run's lock: the round may have moved on while the update was opened. */
  private async recordFit(o: {
    run: Run;
    round: Round;
    res: FitRes;
    siteId: string;
    messageKey: string;
    path: string;
    sha256: string;
    bytes: number;
    norm: number;
  }): Promise<Ack<SubmitReceipt>> {
    const { round, res, siteId, messageKey } = o;
    const refuse = (code: ErrorCode, message: string) =>
      this.refuse({ siteId, roundId: res.roundId, code, message });
    const current = await this.currentRound({ runId: res.runId, roundId: res.roundId, siteId, stage: 'fit' });
    if (!current.ok) return refuse(current.error.code, current.error.message);
    const known = await this.alreadyIn({ round, siteId, messageKey });
    if (known) return known.ok ? known : refuse(known.error.code, known.error.message);
    const receivedAt = this.clock.now();
    const payload: FitPayload & Record<string, unknown> = {
      sha256: o.sha256,
      bytes: o.bytes,
      groupExamples: res.groupExamples,
      metrics: res.metrics,
      lossPerEpoch: res.lossPerEpoch,
      lossTerms: res.lossTerms,
      norm: o.norm,
      ...(res.privacy ? { clipped: res.privacy.clipped } : {}),
      ...(res.recordLevel ? { recordLevel: res.recordLevel } : {}),
    };
    // The update and its audit entry commit together: one fsync per accepted update.
    const inserted = await this.database.transaction(async () => {
      const stored = await this.rounds.insertUpdate({
        round_id: round.id,
        site_id: siteId,
        stage: 'fit',
        message_key: messageKey,
        num_examples: res.numExamples,
        payload: JSON.stringify(payload),
        delta_path: o.path,
        received_at: receivedAt,
      });
      if (stored)
        await this.audit.record({
          actor: { kind: 'site', id: siteId },
          action: 'round.update_accepted',
          subject: round.id,
          details: { round: round.number, numExamples: res.numExamples },
        });
      return stored;
    });
    if (!inserted) return refuse('duplicate', `this site already contributed to round ${round.number}`);
    crashPoint('collection', round.number);
    await this.roundService.progress(round);
    return ok({ roundId: round.id, messageKey, acceptedAt: receivedAt, alreadyAccepted: false });
  }

  async submitEvaluation(session: SiteSession, res: EvaluateRes): Promise<Ack<SubmitReceipt>> {
    const siteId = session.siteId;
    const run = await this.runs.find(res.runId);
    if (!run)
      return this.refuse({
        siteId,
        roundId: res.roundId,
        code: 'wrong_round',
        message: `no run ${res.runId}`,
      });
    const outcome = await this.locks.run(run.id, async (): Promise<Ack<SubmitReceipt>> => {
      const current = await this.currentRound({
        runId: res.runId,
        roundId: res.roundId,
        siteId,
        stage: 'evaluate',
      });
      const refuse = (code: ErrorCode, message: string) =>
        this.refuse({ siteId, roundId: res.roundId, code, message, action: 'round.evaluation_rejected' });
      if (!current.ok) return refuse(current.error.code, current.error.message);
      const round = current.data;
      const messageKey = `${siteId}/${round.id}/evaluate`;
      const previous = await this.rounds.findUpdateByKey(messageKey);
      if (previous)
        return ok({ roundId: round.id, messageKey, acceptedAt: previous.received_at, alreadyAccepted: true });
      const config = run.config;
      const asked = { tasks: config.model.tasks, bins: config.histogramBins };
      const problem = evaluationProblem(res, asked, await this.reported(siteId));
      if (problem) return refuse('invalid_payload', `evaluation refused: ${problem}`);
      const receivedAt = this.clock.now();
      const inserted = await this.rounds.insertUpdate({
        round_id: round.id,
        site_id: siteId,
        stage: 'evaluate',
        message_key: messageKey,
        num_examples: res.numExamples,
        payload: JSON.stringify(res),
        delta_path: null,
        received_at: receivedAt,
      });
      if (!inserted) return refuse('duplicate', 'this site already evaluated this round');
      await this.roundService.progress(round);
      return ok({ roundId: round.id, messageKey, acceptedAt: receivedAt, alreadyAccepted: false });
    });
    if (outcome.ok) void this.roundService.kick(run.id);
    return outcome;
  }
}
