import { ConflictException, Controller, HttpCode, NotFoundException, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { RestParams, RestParsedBody, RestReply, RoundRef } from '@fedfuse/protocol';
import { checkpointFileName, checkpointFiles, decodeWeights } from '@fedfuse/protocol';
import { FileStoreRepository } from '../repositories/file-store.repository.ts';
import type { Round } from '../repositories/round.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import type { Run } from '../repositories/runs.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { RoundPrivacyService } from '../services/round-privacy.service.ts';
import { recordLevelBySite } from '../services/record-level.ts';
import { runPrivacyView } from '../services/run-privacy.ts';
import { RunService } from '../services/run.service.ts';
import { toRunSummary } from '../services/run-summaries.service.ts';
import type { FitRecord } from '../services/training-loss.ts';
import { roundLossTerms } from '../services/training-loss.ts';
import { selectedRoundOf } from '../services/round-selection.ts';
import type { SiteFailure } from '../services/site-failures.service.ts';
import { SiteFailuresService } from '../services/site-failures.service.ts';
import { RunTransitionError } from '../services/run-transition.error.ts';
import { unwrap } from './ack-response.ts';
import { OperatorGuard } from './operator.guard.ts';
import { RestBodyOf, RestParam, RestRoute } from './rest-route.ts';

type RoundReply = RestReply<'runRounds'>[number];

function runView(run: Run): RestReply<'createRun'> {
  return { ...toRunSummary(run), config: run.config };
}

function roundView(
  round: Round,
  related: { fits: readonly FitRecord[]; siteFailures: SiteFailure[]; rejections: RoundReply['rejections'] },
): RoundReply {
  return {
    roundId: round.id,
    number: round.number,
    attempt: round.attempt,
    stage: round.stage,
    sites: round.selectedSites,
    startedAt: round.startedAt,
    deadline: round.deadlineAt,
    finishedAt: round.finishedAt,
    modelHash: round.resultHash,
    metrics: round.metrics,
    trainingLoss: round.trainingLoss,
    /** The committed round's training loss in its terms; null before the commit or from older sites. */
    trainingLossTerms: round.trainingLoss === null ? null : roundLossTerms(related.fits),
    failure: round.failure,
    privacy: round.privacy && withoutHistory(round.privacy),
    siteFailures: related.siteFailures,
    rejections: related.rejections,
  };
}

/** A round's privacy without the run's earlier rounds (each round's own entry has them). */
function withoutHistory({ pastRounds: _past, ...privacy }: NonNullable<Round['privacy']>) {
  return privacy;
}

function noRun(id: string): NotFoundException {
  return new NotFoundException({ code: 'not_found', message: `no run ${id}` });
}

/** Training runs, their rounds and metrics, and checkpoint downloads, for the operator. */
@Controller()
@UseGuards(OperatorGuard)
export class RunsController {
  constructor(
    private readonly runs: RunService,
    private readonly rounds: RoundsRepository,
    private readonly files: FileStoreRepository,
    private readonly failures: SiteFailuresService,
    private readonly privacy: RoundPrivacyService,
    private readonly sites: SitesRepository,
  ) {}

  @RestRoute('listRuns')
  async list(): Promise<RestReply<'listRuns'>> {
    return (await this.runs.list()).map(runView);
  }

  @RestRoute('createRun')
  async create(@RestBodyOf('createRun') body: RestParsedBody<'createRun'>): Promise<RestReply<'createRun'>> {
    return runView(unwrap(await this.runs.create(body)));
  }

  @RestRoute('getRun')
  async get(@RestParam('getRun') { id }: RestParams<'getRun'>): Promise<RestReply<'getRun'>> {
    const run = await this.requireRun(id);
    // The model to use: the round with the best pooled validation AUC, scored on the test split.
    const selected = selectedRoundOf(await this.rounds.listForRun(id));
    return {
      ...runView(run),
      selectedRound: selected,
      lastRound: run.committedRound,
      privacy: await this.runPrivacy(run),
    };
  }

  private async runPrivacy(run: Run) {
    const mechanisms = {
      clientLevel: run.config.privacy.dp !== undefined,
      recordLevel: run.config.privacy.recordLevel !== undefined,
      secureAggregation: run.config.secureAggregation !== undefined,
    };
    const names = new Map((await this.sites.list()).map((s) => [s.id, s.name]));
    const [committed, fits] = await Promise.all([
      this.privacy.committed(run.id),
      mechanisms.recordLevel ? this.rounds.fitUpdatesOfRun(run.id) : [],
    ]);
    return runPrivacyView({
      mechanisms,
      committed,
      recordLevel: recordLevelBySite(fits),
      siteNames: names,
    });
  }

  @RestRoute('actOnRun')
  @HttpCode(200)
  async act(@RestParam('actOnRun') { id, action }: RestParams<'actOnRun'>): Promise<RestReply<'actOnRun'>> {
    try {
      return runView(unwrap(await this.runs.act(id, action)));
    } catch (error) {
      if (error instanceof RunTransitionError)
        throw new ConflictException({ code: error.code, message: error.message });
      throw error;
    }
  }

  @RestRoute('runRounds')
  async roundsOf(@RestParam('runRounds') { id }: RestParams<'runRounds'>): Promise<RestReply<'runRounds'>> {
    await this.requireRun(id);
    const [rounds, fits] = await Promise.all([this.runs.roundsOf(id), this.rounds.fitUpdatesOfRun(id)]);
    const failures = await this.failures.byRound(rounds.map((r) => r.id));
    const rejections = await this.rounds.rejectionsOfRounds(rounds.map((r) => r.id));
    return rounds.map((round) =>
      roundView(round, {
        fits: fits.filter((fit) => fit.round_id === round.id),
        siteFailures: failures.get(round.id) ?? [],
        /** Updates and evaluations refused or excluded in this round (F3, F4), with the reason. */
        rejections: rejections
          .filter((r) => r.round_id === round.id)
          .map((r) => ({ at: r.at, siteId: r.site_id, code: r.code, reason: r.reason })),
      }),
    );
  }

  @RestRoute('runCheckpoints')
  async checkpoints(
    @RestParam('runCheckpoints') { id }: RestParams<'runCheckpoints'>,
  ): Promise<RestReply<'runCheckpoints'>> {
    await this.requireRun(id);
    return (await this.rounds.checkpoints(id)).map((c) => ({
      round: c.round_number,
      sha256: c.sha256,
      createdAt: c.created_at,
    }));
  }

  /**
   * A checkpoint as tfjs weights: `model.json` (weights manifest, model spec, SHA-256 of the weights)
   * and `weights.bin` (little-endian float32), each served under its `checkpointFileName`, the name
   * model.json gives its weights; `fedfuse-client evaluate --model <run>-round-N-model.json` reads them.
   */
  @RestRoute('checkpointModel')
  async modelJson(
    @RestParam('checkpointModel') { id, round }: RestParams<'checkpointModel'>,
    @Res() response: Response,
  ): Promise<void> {
    const { modelJson, names } = await this.checkpointFiles(id, await this.roundNumber(id, round));
    response.setHeader('content-disposition', `attachment; filename="${names.modelJson}"`);
    response.json(modelJson satisfies RestReply<'checkpointModel'>);
  }

  @RestRoute('checkpointWeights')
  async weightsBin(
    @RestParam('checkpointWeights') { id, round }: RestParams<'checkpointWeights'>,
    @Res() response: Response,
  ): Promise<void> {
    const { weightsBin, names } = await this.checkpointFiles(id, await this.roundNumber(id, round));
    response.setHeader('content-type', 'application/octet-stream');
    response.setHeader('content-disposition', `attachment; filename="${names.weightsBin}"`);
    response.end(weightsBin);
  }

  private async requireRun(id: string): Promise<Run> {
    const run = await this.runs.find(id);
    if (!run) throw noRun(id);
    return run;
  }

  /** A round number, or `selected` (the best round on validation) or `last` (the newest checkpoint). */
  private async roundNumber(runId: string, round: RoundRef): Promise<number> {
    if (round === 'last') return (await this.requireRun(runId)).committedRound;
    if (round !== 'selected') return round;
    const selected = selectedRoundOf(await this.rounds.listForRun(runId));
    if (!selected)
      throw new NotFoundException({
        code: 'not_found',
        message: `run ${runId} has no selected round yet: no evaluated round has a validation AUC`,
      });
    return selected.round;
  }

  private async checkpointFiles(runId: string, round: number) {
    const { run, weights } = await this.checkpointWeights(runId, round);
    const names = {
      modelJson: checkpointFileName(run.name, round, 'model.json'),
      weightsBin: checkpointFileName(run.name, round, 'weights.bin'),
    };
    const files = await checkpointFiles({
      weights,
      modelSpec: run.config.model,
      runId: run.id,
      round,
      weightsFile: names.weightsBin,
    });
    return { ...files, names };
  }

  private async checkpointWeights(runId: string, round: number) {
    const run = await this.requireRun(runId);
    const checkpoint = await this.rounds.checkpoint(runId, round);
    if (!checkpoint)
      throw new NotFoundException({
        code: 'not_found',
        message: `no checkpoint for round ${round} of run ${runId}`,
      });
    const decoded = decodeWeights(await this.files.readVerified(checkpoint.path, checkpoint.sha256));
    if (!decoded.ok) throw new Error(decoded.error.message);
    return { run, weights: decoded.data };
  }
}
