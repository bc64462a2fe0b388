import { Injectable } from '@nestjs/common';
import type { RoundProgress } from '@fedfuse/protocol';
import type { RoundRow } from '../repositories/rounds.repository.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { OpsBroadcaster } from './ops-broadcaster.service.ts';
import { evaluators, selectedSites, stageOf } from './run-state.ts';

/** How far a round is (who was asked, who answered), and its broadcast to dashboards. */
@Injectable()
export class RoundProgressService {
  constructor(
    private readonly rounds: RoundsRepository,
    private readonly ops: OpsBroadcaster,
  ) {}

  /** The round's progress, broadcast to dashboards. */
  async publish(round: RoundRow): Promise<RoundProgress> {
    const progress = await this.of(round);
    this.ops.emit('roundProgressed', progress);
    return progress;
  }

  /** How far a round is: who was asked, who answered. */
  async of(round: RoundRow): Promise<RoundProgress> {
    const evaluating = round.phase === 'evaluation' || round.phase === 'done';
    const expected = evaluating ? evaluators(round) : selectedSites(round);
    const submitted = (await this.rounds.updatesFor(round.id, evaluating ? 'evaluate' : 'fit')).length;
    return {
      runId: round.run_id,
      roundId: round.id,
      roundNumber: round.number,
      stage: stageOf(round),
      selected: Math.max(expected.length, submitted),
      submitted,
      failed: round.phase === 'failed' ? Math.max(expected.length - submitted, 0) : 0,
      startedAt: round.started_at,
      deadline: (evaluating ? round.evaluation_deadline_at : round.deadline_at) ?? round.deadline_at,
    };
  }
}
