import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CoordinatorSettings } from '../env.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { CLOCK, SETTINGS } from '../tokens.ts';
import type { Clock } from './clock.ts';
import { SiteSummariesService } from './site-summaries.service.ts';

/**
 * A site's "last seen": every accepted message (and transport heartbeat) counts, but the database is
 * written, and dashboards told, at most once per site per `lastSeenWriteMs`; busy sites send many chunks.
 */
@Injectable()
export class SitePresenceService {
  private readonly logger = new Logger('presence');
  /** When each site's last-seen was last written. */
  private readonly written = new Map<string, number>();
  /** Activity the throttle held back, written when the site disconnects. */
  private readonly heldBack = new Map<string, number>();

  constructor(
    private readonly sites: SitesRepository,
    private readonly summaries: SiteSummariesService,
    @Inject(SETTINGS) private readonly settings: CoordinatorSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Records activity now; `force` writes at once (a handshake is worth telling). Never throws. */
  async seen(siteId: string, options: { force?: boolean } = {}): Promise<void> {
    const now = this.clock.now();
    const last = this.written.get(siteId);
    if (!options.force && last !== undefined && now - last < this.settings.lastSeenWriteMs) {
      this.heldBack.set(siteId, now);
      return;
    }
    this.written.set(siteId, now);
    this.heldBack.delete(siteId);
    await this.write(siteId, now);
  }

  /** The site went away: its held-back activity is its last sign of life (the caller publishes the site). */
  async gone(siteId: string): Promise<void> {
    const at = this.heldBack.get(siteId);
    this.heldBack.delete(siteId);
    this.written.delete(siteId);
    if (at !== undefined) await this.write(siteId, at, { publish: false });
  }

  private async write(siteId: string, at: number, options = { publish: true }): Promise<void> {
    try {
      await this.sites.touch(siteId, at);
      if (options.publish) await this.summaries.publish(siteId);
    } catch (error) {
      this.logger.warn(`last-seen of site ${siteId} not recorded: ${(error as Error).message}`);
    }
  }
}
