import { Inject, Injectable } from '@nestjs/common';
import { l2Norm, screenByMedianNorm } from '@fedfuse/strategy';
import type { RoundRow } from '../repositories/rounds.repository.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import type { ResolvedRunConfig } from '../run-config.ts';
import { AuditService } from './audit.service.ts';
import { SiteSummariesService } from './site-summaries.service.ts';

/**
 * F3, robust by default: before a round aggregates, every update whose delta norm is far above the
 * round's median is excluded, and the exclusion is recorded like a refusal (round detail, Sites page,
 * audit) so the operator sees which site sent what.
 */
@Injectable()
export class UpdateScreeningService {
  constructor(
    @Inject(RoundsRepository) private readonly rounds: RoundsRepository,
    @Inject(SitesRepository) private readonly sites: SitesRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(SiteSummariesService) private readonly siteSummaries: SiteSummariesService,
  ) {}

  /** The indices of `deltas` to aggregate; the others are recorded as excluded. */
  async keep(o: {
    round: RoundRow;
    config: Pick<ResolvedRunConfig, 'updateNormBound'>;
    siteIds: readonly string[];
    deltas: readonly Float32Array[];
  }): Promise<number[]> {
    const all = o.deltas.map((_, i) => i);
    // Runs stored before the setting existed get the default too.
    if (o.config.updateNormBound === 'off') return all;
    const norms = o.deltas.map(l2Norm);
    const screen = screenByMedianNorm(norms);
    for (const index of screen.excluded) {
      const siteId = o.siteIds[index]!;
      const reason =
        screen.bound === undefined
          ? `update excluded from round ${o.round.number}: its L2 norm is ${norms[index]}`
          : `update excluded from round ${o.round.number}: its L2 norm ${norms[index]!.toPrecision(4)} exceeds ` +
            `${screen.bound.toPrecision(4)} (5 × the round's median ${screen.median!.toPrecision(4)})`;
      await this.rounds.reject({
        at: Date.now(),
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
}
