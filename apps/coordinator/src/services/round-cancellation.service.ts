import { Inject, Injectable } from '@nestjs/common';
import type { CancelReason } from '@fedfuse/protocol';
import { FlEvent } from '@fedfuse/protocol';
import type { Round } from '../repositories/round.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { CLOCK } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';
import { ConnectionsService } from './connections.service.ts';
import { RoundProgressService } from './round-progress.service.ts';
import { RoundSums } from './round-sums.service.ts';
import { SecAggRoundsService } from './secagg-rounds.service.ts';
import { TransfersService } from './transfers.service.ts';

const SYSTEM = { kind: 'system', id: 'coordinator' } as const;

/** Why a round was cancelled: the protocol's reason for the sites and a sentence for people. */
export interface Cancellation {
  reason: CancelReason;
  message: string;
}

/** Ends a round without a model: stored, its uploads freed, its sites told why, audited and broadcast. */
@Injectable()
export class RoundCancellationService {
  constructor(
    private readonly rounds: RoundsRepository,
    private readonly transfers: TransfersService,
    private readonly connections: ConnectionsService,
    private readonly audit: AuditService,
    private readonly progress: RoundProgressService,
    private readonly sums: RoundSums,
    private readonly secagg: SecAggRoundsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async cancel(round: Round, cancellation: Cancellation): Promise<void> {
    const { reason, message } = cancellation;
    this.secagg.end(round.id, message);
    await this.rounds.update(round.id, {
      stage: 'cancelled',
      failure: message,
      cancelReason: reason,
      finishedAt: this.clock.now(),
    });
    await this.releaseUploads(round);
    this.sums.discard(round.runId);
    for (const siteId of round.selectedSites) {
      this.connections.get(siteId)?.emit(FlEvent.roundCancelled, {
        runId: round.runId,
        roundId: round.id,
        reason,
        message: message.slice(0, 500),
      });
    }
    await this.audit.record({
      actor: SYSTEM,
      action: 'round.failed',
      subject: round.runId,
      outcome: 'failed',
      details: { round: round.number, attempt: round.attempt, code: reason, reason: message },
    });
    await this.progress.publish({ ...round, stage: 'cancelled' });
  }

  /** W7: uploads still open when a round stops training can no longer be submitted; free them. */
  async releaseUploads(round: Round): Promise<void> {
    for (const siteId of round.selectedSites) await this.transfers.abandon(siteId, 'round_closed');
  }
}
