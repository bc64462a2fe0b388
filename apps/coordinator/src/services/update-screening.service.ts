import { Inject, Injectable } from '@nestjs/common';
import { ADAPTIVE_NORM_MIN_UPDATES, screenByMedianNorm } from '@fedfuse/strategy';
import type { Round } from '../repositories/round.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import type { ResolvedRunConfig } from '../run-config.ts';
import { CLOCK } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';
import { SiteSummariesService } from './site-summaries.service.ts';
import { StoredDeltas } from './stored-deltas.service.ts';

/**
 * F3, robust by default: before a round aggregates, every update whose delta norm is far above the
 * round's median is excluded, and the exclusion is recorded like a refusal (round detail, Sites page,
 * audit) so the operator sees which site sent what.
 */
@Injectable()
export class UpdateScreeningService {
  constructor(
    private readonly rounds: RoundsRepository,
    private readonly sites: SitesRepository,
    private readonly audit: AuditService,
    private readonly siteSummaries: SiteSummariesService,
    private readonly deltas: StoredDeltas,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The indices of the updates (by their delta `norms`) to aggregate; the others are recorded as excluded. */
  async keep(o: {
    round: Round;
    config: Pick<ResolvedRunConfig, 'updateNormBound'>;
    siteIds: readonly string[];
    norms: readonly number[];
  }): Promise<number[]> {
    const { norms } = o;
    const all = norms.map((_, i) => i);
    // Runs stored before the setting existed get the default too.
    if (o.config.updateNormBound === 'off') return all;
    const earlierMedian =
      norms.length < ADAPTIVE_NORM_MIN_UPDATES ? await this.earlierMedian(o.round) : undefined;
    const screen = screenByMedianNorm(norms, { earlierMedian });
    const whose = earlierMedian === undefined ? "the round's" : "an earlier round's";
    for (const index of screen.excluded) {
      const siteId = o.siteIds[index]!;
      // A coordinator restarted mid-aggregation screens again: record each exclusion once.
      if (await this.rounds.hasRejection({ roundId: o.round.id, siteId, code: 'norm_exceeded' })) continue;
      const reason =
        screen.bound === undefined
          ? `update excluded from round ${o.round.number}: its L2 norm is ${norms[index]}`
          : `update excluded from round ${o.round.number}: its L2 norm ${norms[index]!.toPrecision(4)} exceeds ` +
            `${screen.bound.toPrecision(4)} (5 × ${whose} median ${screen.median!.toPrecision(4)})`;
      await this.rounds.reject({
        at: this.clock.now(),
        siteId,
        roundId: o.round.id,
        code: 'norm_exceeded',
        reason,
      });
      await this.sites.countRejection(siteId);
      await this.audit.record({
        actor: { kind: 'site', id: siteId },
        action: 'round.update_excluded',
        subject: o.round.id,
        outcome: 'refused',
        details: { round: o.round.number, norm: norms[index]!, bound: screen.bound ?? null },
      });
      await this.siteSummaries.publish(siteId).catch(() => undefined);
    }
    const excluded = new Set(screen.excluded);
    return all.filter((i) => !excluded.has(i));
  }

  /**
   * The median delta norm of the latest committed round of this run that had enough updates to trust one
   * (looking back at most 5 rounds), for a round with too few updates of its own.
   */
  private async earlierMedian(round: Round): Promise<number | undefined> {
    const earlier = (await this.rounds.listForRun(round.runId))
      .filter((r) => r.number < round.number && (r.stage === 'evaluate' || r.stage === 'committed'))
      .sort((a, b) => b.number - a.number)
      .slice(0, 5);
    for (const previous of earlier) {
      const rows = await this.rounds.updatesFor(previous.id, 'fit');
      if (rows.length < ADAPTIVE_NORM_MIN_UPDATES) continue;
      const norms: number[] = [];
      for (const row of rows) norms.push(await this.deltas.norm(row));
      return screenByMedianNorm(norms).median;
    }
    return undefined;
  }
}
