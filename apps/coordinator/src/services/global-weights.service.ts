import { Injectable } from '@nestjs/common';
import type { OptimizerSnapshot } from '@fedfuse/strategy';
import { FileStoreRepository } from '../repositories/file-store.repository.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import type { Run } from '../repositories/runs.repository.ts';
import type { ModelBlob } from './global-model.service.ts';
import { GlobalModelService } from './global-model.service.ts';
import { decodeSnapshot } from './optimizer-snapshot.ts';

/** Checkpoint paths inside the data directory. */
export function checkpointPath(runId: string, round: number): string {
  return `runs/${runId}/checkpoints/round-${round}.ffwt`;
}

export function optimizerPath(runId: string, round: number): string {
  return `runs/${runId}/checkpoints/round-${round}.optimizer`;
}

/** The global model a run is at: its initial weights, or the last committed checkpoint (checksum-verified). */
@Injectable()
export class GlobalWeightsService {
  constructor(
    private readonly rounds: RoundsRepository,
    private readonly files: FileStoreRepository,
    private readonly models: GlobalModelService,
  ) {}

  async current(run: Run): Promise<ModelBlob> {
    return this.atRound(run, run.committedRound);
  }

  async atRound(run: Run, round: number): Promise<ModelBlob> {
    const spec = run.config.model;
    if (round === 0)
      return this.models.blob(this.models.initialWeights(spec), this.models.describe(spec).manifest);
    const checkpoint = await this.rounds.checkpoint(run.id, round);
    if (!checkpoint) throw new Error(`run ${run.id} has no checkpoint for round ${round}`);
    // A checkpoint holds its model's bytes, so its hash is the model's: one this process wrote or read before
    // is in memory, already checked (a round reads its start model three times: instructions, sum, aggregation).
    const known = this.models.known(checkpoint.sha256);
    if (known) return known;
    return this.models.fromBytes(await this.files.readVerified(checkpoint.path, checkpoint.sha256));
  }

  /** The server optimizer's state after `round` (undefined before the first round or for FedAvg). */
  async optimizerAt(runId: string, round: number): Promise<OptimizerSnapshot | undefined> {
    if (round === 0) return undefined;
    try {
      return decodeSnapshot(await this.files.read(optimizerPath(runId, round)));
    } catch (error) {
      // FedAvg-family runs write no optimizer state; anything but a missing file is a real failure.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
