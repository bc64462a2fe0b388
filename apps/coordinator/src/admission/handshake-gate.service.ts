import { Inject, Injectable } from '@nestjs/common';
import type { CoordinatorSettings } from '../env.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { SETTINGS } from '../tokens.ts';
import { Budget } from './budget.ts';
import { ClientAddresses } from './client-address.ts';
import { StrangerRefusals } from './stranger-refusals.service.ts';

/**
 * Rate limits at the site doors (`/fl/*` over HTTP and `/fl` socket connections), before any signature is
 * checked. Two budgets, so that strangers cannot spend an approved site's:
 * - a request that claims an approved site spends that site's handshake budget, keyed by site id AND
 *   client address (a stranger elsewhere cannot spend it; one at the same address must know the id);
 * - everything else (enrollments, unknown or unapproved ids, malformed requests) spends the address's
 *   stranger budget.
 * The client address comes from X-Forwarded-For only through proxies the operator listed.
 */
@Injectable()
export class HandshakeGate {
  private readonly addresses: ClientAddresses;
  private readonly strangers: Budget;
  private readonly handshakes: Budget;

  constructor(
    @Inject(SETTINGS) settings: CoordinatorSettings,
    private readonly sites: SitesRepository,
    private readonly refusals: StrangerRefusals,
  ) {
    this.addresses = new ClientAddresses(settings.trustedProxies);
    this.strangers = new Budget(settings.strangerRequestsPerMinute);
    this.handshakes = new Budget(settings.siteChallengesPerMinute);
  }

  clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    return this.addresses.resolve(peer, forwardedFor);
  }

  /** Spends one point of the budget the request belongs to; false (logged, audited folded) when spent. */
  async admit(address: string, claimedSiteId: unknown, kind: string): Promise<boolean> {
    const approved = await this.isApprovedSite(claimedSiteId);
    const allowed = approved
      ? await this.handshakes.take(`${String(claimedSiteId)}|${address}`)
      : await this.strangers.take(address);
    if (!allowed)
      void this.refusals.note({
        kind: 'rate_limited',
        address,
        code: 'rate_limited',
        message: `${kind}: too many requests from this address`,
        auditAction: 'fl.rate_limited',
        subject: approved ? String(claimedSiteId) : undefined,
      });
    return allowed;
  }

  private async isApprovedSite(claimed: unknown): Promise<boolean> {
    if (typeof claimed !== 'string' || claimed.length > 64) return false;
    return (await this.sites.find(claimed))?.status === 'approved';
  }
}
