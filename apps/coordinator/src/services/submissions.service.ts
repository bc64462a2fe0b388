import { Inject, Injectable } from '@nestjs/common';
import type { Ack, ErrorCode, EvaluateRes, FitRes, SiteSession, SubmitReceipt } from '@fedfuse/protocol';
import { decodeWeights, fail, manifestHash, ok } from '@fedfuse/protocol';
import { messageKeyString, openDelta, sealedNonce, toBase64, toHex } from '@fedfuse/crypto';
import { validateUpdate } from '@fedfuse/strategy';
import { FileStoreRepository } from '../repositories/file-store.repository.ts';
import { IdentityRepository } from '../repositories/identity.repository.ts';
import type { Round } from '../repositories/round.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { RunsRepository } from '../repositories/runs.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { CLOCK } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';
import { GlobalModelService } from './global-model.service.ts';
import { RoundService } from './round.service.ts';
import { RunLocks } from './run-locks.service.ts';
import { SiteSummariesService } from './site-summaries.service.ts';
import type { SiteRefusal } from '../admission/site-refusals.service.ts';
import { SiteRefusals } from '../admission/site-refusals.service.ts';
import { TransfersService } from './transfers.service.ts';
import { crashPoint } from './crash-points.ts';
import type { ReportedCounts } from './reported-counts.ts';
import { evaluationProblem, fitExamplesProblem, reportedCounts } from './reported-counts.ts';

type Stage = 'fit' | 'evaluate';

/** Accepts or refuses what sites send back; a refusal is logged with its reason and stores nothing. */
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
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

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

  async submitFit(session: SiteSession, res: FitRes): Promise<Ack<SubmitReceipt>> {
    const siteId = session.siteId;
    const bytes = this.transfers.take(siteId, res.delta.transfer);
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
        stage: 'fit',
      });
      const refuse = (code: ErrorCode, message: string) =>
        this.refuse({ siteId, roundId: res.roundId, code, message });
      if (!current.ok) return refuse(current.error.code, current.error.message);
      const round = current.data;
      if (!bytes.ok) return refuse(bytes.error.code, bytes.error.message);
      const overclaimed = fitExamplesProblem(res.numExamples, await this.reported(siteId));
      if (overclaimed) return refuse('invalid_payload', overclaimed);
      const nonce = sealedNonce(bytes.data);
      if (!nonce || toBase64(nonce) !== res.delta.nonce)
        return refuse(
          'invalid_payload',
          'the submission names another box nonce than the sealed delta carries',
        );
      const messageKey = messageKeyString({ siteId, roundId: round.id, stage: 'fit', nonce: toHex(nonce) });
      const previous = await this.rounds.findUpdateByKey(messageKey);
      if (previous)
        return ok({ roundId: round.id, messageKey, acceptedAt: previous.received_at, alreadyAccepted: true });
      if (await this.rounds.findUpdate({ roundId: round.id, siteId, stage: 'fit' })) {
        return refuse('duplicate', `this site already contributed to round ${round.number}`);
      }
      const opened = openDelta({
        coordinator: this.identity.get(),
        siteBoxKey: session.boxKey,
        expected: { siteId, roundId: round.id, stage: 'fit', modelHash: round.globalHash },
        sealed: bytes.data,
        inPlace: true, // the transfer's bytes are ours alone (take() removed them): decrypt without a copy
      });
      if (!opened.ok) return refuse(opened.error.code, opened.error.message);
      const decoded = decodeWeights(opened.data.payload);
      if (!decoded.ok)
        return refuse('invalid_payload', `the delta does not decode: ${decoded.error.message}`);
      const config = run.config;
      const { layout, manifest } = this.models.describe(config.model);
      const validation = validateUpdate(
        {
          weights: decoded.data.values,
          numExamples: res.numExamples,
          groupExamples: res.groupExamples,
          manifestHash: await manifestHash(decoded.data.manifest),
        },
        {
          expectedLength: manifest.numParams,
          expectedManifestHash: await manifestHash(manifest),
          maxL2Norm: config.maxUpdateNorm,
          groups: [...new Set(layout.map((e) => e.group))],
        },
      );
      if (!validation.ok)
        return refuse('invalid_payload', `update refused (${validation.reason}): ${validation.message}`);
      const path = `runs/${run.id}/rounds/${round.number}-${round.attempt}/${siteId}.delta.ffwt`;
      const sha256 = await this.files.write(path, opened.data.payload);
      const receivedAt = this.clock.now();
      const payload = JSON.stringify({
        sha256,
        groupExamples: res.groupExamples,
        metrics: res.metrics,
        lossPerEpoch: res.lossPerEpoch,
        lossTerms: res.lossTerms,
      });
      const inserted = await this.rounds.insertUpdate({
        round_id: round.id,
        site_id: siteId,
        stage: 'fit',
        message_key: messageKey,
        num_examples: res.numExamples,
        payload,
        delta_path: path,
        received_at: receivedAt,
      });
      if (!inserted) return refuse('duplicate', `this site already contributed to round ${round.number}`);
      crashPoint('collection', round.number);
      await this.audit.record({
        actor: { kind: 'site', id: siteId },
        action: 'round.update_accepted',
        subject: round.id,
        details: { round: round.number, numExamples: res.numExamples },
      });
      await this.roundService.progress(round);
      return ok({ roundId: round.id, messageKey, acceptedAt: receivedAt, alreadyAccepted: false });
    });
    if (outcome.ok) void this.roundService.kick(run.id);
    return outcome;
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
