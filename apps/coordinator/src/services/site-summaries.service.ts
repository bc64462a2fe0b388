import { Injectable } from '@nestjs/common';
import type { SiteRejection, SiteSummary } from '@fedfuse/protocol';
import { fingerprint, fromBase64 } from '@fedfuse/crypto';
import type { RejectionRow } from '../repositories/rounds.repository.ts';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import type { Site } from '../repositories/sites.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { ConnectionsService } from './connections.service.ts';
import { OpsBroadcaster } from './ops-broadcaster.service.ts';

/** A site row as the dashboard sees it. */
function toSiteSummary(site: Site, live: { connected: boolean; lastRejection?: RejectionRow }): SiteSummary {
  return {
    siteId: site.id,
    name: site.name,
    status: site.status,
    connected: live.connected,
    fingerprint: fingerprint(
      fromBase64(site.signingKey, 32, 'signing key'),
      fromBase64(site.boxKey, 32, 'box key'),
    ),
    enrolledAt: site.enrolledAt,
    lastSeenAt: site.lastSeenAt,
    roundsJoined: site.roundsJoined,
    updatesRejected: site.updatesRejected,
    lastRejection: live.lastRejection ? toSiteRejection(live.lastRejection) : null,
  };
}

function toSiteRejection(row: RejectionRow): SiteRejection {
  // Codes come from the protocol's error list; a reason is bounded like any text on the wire.
  return { at: row.at, code: row.code, reason: row.reason.slice(0, 1000) };
}

/** Sites as the dashboard shows them, and the site:updated broadcast whenever one of them changes. */
@Injectable()
export class SiteSummariesService {
  constructor(
    private readonly sites: SitesRepository,
    private readonly rounds: RoundsRepository,
    private readonly connections: ConnectionsService,
    private readonly ops: OpsBroadcaster,
  ) {}

  /** Every site, oldest enrollment first; two queries whatever the number of sites. */
  async list(): Promise<{ site: Site; summary: SiteSummary }[]> {
    const [rows, rejections] = await Promise.all([this.sites.list(), this.rounds.latestRejections()]);
    return rows.map((site) => ({ site, summary: this.summarize(site, rejections.get(site.id)) }));
  }

  /** The site as it is now, broadcast to every dashboard. */
  async publish(siteId: string): Promise<SiteSummary> {
    const site = await this.sites.find(siteId);
    if (!site) throw new Error(`no site ${siteId}`);
    const rejection = (await this.rounds.latestRejections(siteId)).get(siteId);
    const summary = this.summarize(site, rejection);
    this.ops.emit('siteUpdated', summary);
    return summary;
  }

  private summarize(site: Site, lastRejection: RejectionRow | undefined): SiteSummary {
    return toSiteSummary(site, { connected: this.connections.isConnected(site.id), lastRejection });
  }
}
