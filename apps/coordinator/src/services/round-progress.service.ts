import { Injectable } from '@nestjs/common';
import type { RoundProgress } from '@fedfuse/protocol';
import type { Round } from '../repositories/round.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { OpsBroadcaster } from './ops-broadcaster.service.ts';

/** How far a round is (who was asked, who answered), and its broadcast to dashboards. */
@Injectable()
export class RoundProgressService {
  constructor(
    private readonly rounds: RoundsRepository,
    private readonly ops: OpsBroadcaster,
  ) {}

  /** The round's progress, broadcast to dashboards. */
  async publish(round: Round): Promise<RoundProgress> {
    const progress = await this.of(round);
    this.ops.emit('roundProgressed', progress);
    return progress;
  }

  /** How far a round is: who was asked, who answered. */
  async of(round: Round): Promise<RoundProgress> {
    const evaluating = round.stage === 'evaluate' || round.stage === 'committed';
    const expected = evaluating ? round.evaluators : round.selectedSites;
    const submitted = (await this.rounds.updatesFor(round.id, evaluating ? 'evaluate' : 'fit')).length;
    return {
      runId: round.runId,
      roundId: round.id,
      roundNumber: round.number,
      stage: round.stage,
      selected: Math.max(expected.length, submitted),
      submitted,
      failed: round.stage === 'cancelled' ? Math.max(expected.length - submitted, 0) : 0,
      startedAt: round.startedAt,
      deadline: (evaluating ? round.evaluationDeadlineAt : round.deadlineAt) ?? round.deadlineAt,
    };
  }
}
