import { Inject, Injectable } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import type { ErrorCode } from '@fedfuse/protocol';
import { fail } from '@fedfuse/protocol';
import type { CoordinatorSettings } from '../env.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { AuditService } from '../services/audit.service.ts';
import { SiteSummariesService } from '../services/site-summaries.service.ts';
import type { Clock } from '../services/clock.ts';
import { CLOCK, SETTINGS } from '../tokens.ts';
import { RefusalFolder } from './refusal-folder.ts';

export interface SiteRefusal {
  siteId: string;
  roundId: string | null;
  code: ErrorCode;
  message: string;
  /** The audit action; a refused evaluation is told apart from a refused update. */
  action?: 'round.update_rejected' | 'round.evaluation_rejected';
}

/**
 * Records what a site sent and the coordinator refused: a rejection row, the site's count, an audit
 * entry and a dashboard update. The same refusal (site, round, code) repeated within the fold window is
 * recorded once more, with its count, when the window closes: a flooding site costs a bounded number of
 * rows and broadcasts. The site itself gets every answer.
 */
@Injectable()
export class SiteRefusals implements OnModuleDestroy {
  private readonly folder: RefusalFolder<SiteRefusal>;

  constructor(
    private readonly rounds: RoundsRepository,
    private readonly sites: SitesRepository,
    private readonly audit: AuditService,
    private readonly siteSummaries: SiteSummariesService,
    @Inject(SETTINGS) private readonly settings: CoordinatorSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.folder = new RefusalFolder({
      windowMs: settings.refusalFoldMs,
      emit: ({ sample, count, repeats }) => this.record(sample, count, repeats),
    });
  }

  /** Records (or folds) the refusal and returns the answer the site gets. */
  async refuse(refusal: SiteRefusal): Promise<{ ok: false; error: { code: ErrorCode; message: string } }> {
    await this.folder.note(
      JSON.stringify([refusal.siteId, refusal.roundId, refusal.code, refusal.action]),
      refusal,
    );
    return fail(refusal.code, refusal.message);
  }

  async onModuleDestroy(): Promise<void> {
    await this.folder.flushAll();
  }

  private async record(refusal: SiteRefusal, count: number, repeats: boolean): Promise<void> {
    const reason = repeats
      ? `${refusal.message} (${count} more like it within ${this.settings.refusalFoldMs} ms)`
      : refusal.message;
    await this.rounds.reject({
      at: this.clock.now(),
      siteId: refusal.siteId,
      roundId: refusal.roundId,
      code: refusal.code,
      reason,
    });
    const known = Boolean(await this.sites.find(refusal.siteId));
    if (known) await this.sites.countRejection(refusal.siteId, count);
    await this.audit.record({
      actor: { kind: 'site', id: refusal.siteId },
      action: refusal.action ?? 'round.update_rejected',
      subject: refusal.roundId ?? undefined,
      outcome: 'refused',
      details: { code: refusal.code, reason: refusal.message, count, folded: repeats },
    });
    // The Sites page shows the new count and this reason at once.
    if (known) await this.siteSummaries.publish(refusal.siteId);
  }
}
