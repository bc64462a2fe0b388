import {
  Body,
  Controller,
  Get,
  ConflictException,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { checkpointFileName, checkpointFiles, decodeWeights } from '@fedfuse/protocol';
import { FileStoreRepository } from '../repositories/file-store.repository.ts';
import type { RoundRow } from '../repositories/rounds.repository.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import type { Run } from '../repositories/runs.repository.ts';
import { RunService } from '../services/run.service.ts';
import { toRunSummary } from '../services/run-summaries.service.ts';
import type { FitRecord } from '../services/training-loss.ts';
import { roundLossTerms } from '../services/training-loss.ts';
import { selectedRoundOf } from '../services/round-selection.ts';
import { selectedSites } from '../services/run-state.ts';
import type { SiteFailure } from '../services/site-failures.service.ts';
import { SiteFailuresService } from '../services/site-failures.service.ts';
import { RunTransitionError } from '../services/run-transition.error.ts';
import { parseBody, unwrap } from './ack-response.ts';
import { OperatorGuard } from './operator.guard.ts';

const RunActionName = z.enum(['start', 'pause', 'resume', 'stop']);

function runView(run: Run) {
  return {
    ...toRunSummary(run),
    config: run.config,
  };
}

function roundView(round: RoundRow, fits: readonly FitRecord[], siteFailures: SiteFailure[]) {
  return {
    roundId: round.id,
    number: round.number,
    attempt: round.attempt,
    phase: round.phase,
    sites: selectedSites(round),
    startedAt: round.started_at,
    deadline: round.deadline_at,
    finishedAt: round.finished_at,
    modelHash: round.result_hash,
    metrics: round.metrics ? (JSON.parse(round.metrics) as unknown) : null,
    trainingLoss: round.training_loss,
    /** The committed round's training loss in its terms; null before the commit or from older sites. */
    trainingLossTerms: round.training_loss === null ? null : roundLossTerms(fits),
    failure: round.failure,
    siteFailures,
  };
}

/** Training runs, their rounds and metrics, and checkpoint downloads, for the operator. */
@Controller('api/runs')
@UseGuards(OperatorGuard)
export class RunsController {
  constructor(
    @Inject(RunService) private readonly runs: RunService,
    @Inject(RoundsRepository) private readonly rounds: RoundsRepository,
    @Inject(FileStoreRepository) private readonly files: FileStoreRepository,
    @Inject(SiteFailuresService) private readonly failures: SiteFailuresService,
  ) {}

  @Get()
  async list() {
    return (await this.runs.list()).map(runView);
  }

  @Post()
  async create(@Body() body: unknown) {
    return runView(unwrap(await this.runs.create(body)));
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const run = await this.runs.find(id);
    if (!run) throw new NotFoundException({ code: 'not_found', message: `no run ${id}` });
    // The model to use: the round with the best pooled validation AUC, scored on the test split.
    const selected = selectedRoundOf(await this.rounds.listForRun(id));
    return { ...runView(run), selectedRound: selected, lastRound: run.committedRound };
  }

  @Post(':id/:action')
  @HttpCode(200)
  async act(@Param('id') id: string, @Param('action') action: string) {
    try {
      return runView(unwrap(await this.runs.act(id, parseBody(RunActionName, action))));
    } catch (error) {
      if (error instanceof RunTransitionError)
        throw new ConflictException({ code: error.code, message: error.message });
      throw error;
    }
  }

  @Get(':id/rounds')
  async roundsOf(@Param('id') id: string) {
    const [rounds, fits] = await Promise.all([this.runs.roundsOf(id), this.rounds.fitUpdatesOfRun(id)]);
    const failures = await this.failures.byRound(rounds.map((r) => r.id));
    const rejections = await this.rounds.rejectionsOfRounds(rounds.map((r) => r.id));
    return rounds.map((round) => ({
      ...roundView(
        round,
        fits.filter((fit) => fit.round_id === round.id),
        failures.get(round.id) ?? [],
      ),
      /** Updates and evaluations refused or excluded in this round (F3, F4), with the reason. */
      rejections: rejections
        .filter((r) => r.round_id === round.id)
        .map((r) => ({ at: r.at, siteId: r.site_id, code: r.code, reason: r.reason })),
    }));
  }

  @Get(':id/checkpoints')
  async checkpoints(@Param('id') id: string) {
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
  @Get(':id/checkpoints/:round/model.json')
  async modelJson(@Param('id') id: string, @Param('round') round: string, @Res() response: Response) {
    const { modelJson, names } = await this.checkpointFiles(id, await this.roundNumber(id, round));
    response.setHeader('content-disposition', `attachment; filename="${names.modelJson}"`);
    response.json(modelJson);
  }

  @Get(':id/checkpoints/:round/weights.bin')
  async weightsBin(@Param('id') id: string, @Param('round') round: string, @Res() response: Response) {
    const { weightsBin, names } = await this.checkpointFiles(id, await this.roundNumber(id, round));
    response.setHeader('content-type', 'application/octet-stream');
    response.setHeader('content-disposition', `attachment; filename="${names.weightsBin}"`);
    response.end(weightsBin);
  }

  /** A round number, or `selected` (the best round on validation) or `last` (the newest checkpoint). */
  private async roundNumber(runId: string, round: string): Promise<number> {
    if (round === 'last') return (await this.runs.find(runId))?.committedRound ?? 0;
    if (round !== 'selected') return Number(round);
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
    const run = await this.runs.find(runId);
    const checkpoint = run ? await this.rounds.checkpoint(runId, round) : undefined;
    if (!run || !checkpoint)
      throw new NotFoundException({
        code: 'not_found',
        message: `no checkpoint for round ${round} of run ${runId}`,
      });
    const decoded = decodeWeights(await this.files.readVerified(checkpoint.path, checkpoint.sha256));
    if (!decoded.ok) throw new Error(decoded.error.message);
    return { run, weights: decoded.data };
  }
}
