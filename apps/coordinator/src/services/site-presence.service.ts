import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CoordinatorSettings } from '../env.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { CLOCK, SETTINGS } from '../tokens.ts';
import type { Clock } from './clock.ts';
import { SiteSummariesService } from './site-summaries.service.ts';

/**
 * A site's "last seen": every accepted message (and transport heartbeat) counts. It is kept in memory and
 * written for all sites at once every `lastSeenWriteMs` (one commit, not one per site: busy sites send many
 * chunks), at a disconnect and at shutdown; a handshake is written at once. It is no record that must
 * survive a power loss: losing the last interval's stamps only makes a site look idle a little earlier.
 */
@Injectable()
export class SitePresenceService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('presence');
  /** Activity not yet written, by site. */
  private readonly pending = new Map<string, number>();
  private timer: ReturnType<Clock['every']> | undefined;

  constructor(
    private readonly sites: SitesRepository,
    private readonly summaries: SiteSummariesService,
    @Inject(SETTINGS) private readonly settings: CoordinatorSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.lastSeenWriteMs > 0)
      this.timer = this.clock.every(this.settings.lastSeenWriteMs, () => void this.flush());
  }

  /** Stops the timer and writes what is pending: the database closes only after this. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Records activity now; `force` (a handshake, worth telling at once) or a zero interval writes it now. Never throws. */
  async seen(siteId: string, options: { force?: boolean } = {}): Promise<void> {
    const now = this.clock.now();
    if (options.force || this.settings.lastSeenWriteMs === 0) {
      this.pending.delete(siteId);
      await this.write([[siteId, now]]);
    } else this.pending.set(siteId, now);
  }

  /** The site went away: its pending activity is its last sign of life (the caller publishes the site). */
  async gone(siteId: string): Promise<void> {
    const at = this.pending.get(siteId);
    this.pending.delete(siteId);
    if (at !== undefined) await this.write([[siteId, at]], { publish: false });
  }

  /** Writes every site's pending activity in one transaction, then tells dashboards. Never throws. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const entries = [...this.pending];
    this.pending.clear();
    await this.write(entries);
  }

  private async write(entries: [string, number][], options = { publish: true }): Promise<void> {
    try {
      await this.sites.touchAll(entries);
      if (options.publish) for (const [siteId] of entries) await this.summaries.publish(siteId);
    } catch (error) {
      const ids = entries.map(([siteId]) => siteId).join(', ');
      this.logger.warn(`last-seen of site(s) ${ids} not recorded: ${(error as Error).message}`);
    }
  }
}
