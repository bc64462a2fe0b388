import { Inject, Injectable } from '@nestjs/common';
import type { Ack, Challenge, ErrorCode, SiteSession } from '@fedfuse/protocol';
import {
  ChallengeResponse,
  fail,
  flRouteSchemas,
  FlRoute,
  isSupportedVersion,
  ok,
  parseOrError,
} from '@fedfuse/protocol';
import { fromBase64 } from '@fedfuse/crypto';
import { StrangerRefusals } from '../admission/stranger-refusals.service.ts';
import { CLOCK } from '../tokens.ts';
import type { Clock } from './clock.ts';
import { RegistryService } from './registry.service.ts';

/**
 * The signed challenge of every `/fl` connection: challenges are handed out over HTTP, and the socket's
 * namespace middleware presents the site's signed response here before the socket may connect.
 */
@Injectable()
export class SiteAuthService {
  constructor(
    private readonly registry: RegistryService,
    private readonly refusals: StrangerRefusals,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** A signed challenge for a known site in good standing that speaks a supported protocol version. */
  async challenge(raw: unknown, address: string): Promise<Ack<Challenge>> {
    const request = parseOrError(flRouteSchemas[FlRoute.challenge].payload, raw);
    if (!request.ok) {
      void this.refusals.note({ kind: 'challenge', address, ...request.error });
      return request;
    }
    const { siteId, protocolVersion } = request.data;
    const issued = isSupportedVersion(protocolVersion)
      ? await this.registry.challenge(siteId, protocolVersion)
      : fail('version_mismatch', `protocol ${protocolVersion} is not supported`);
    if (!issued.ok) void this.refusals.note({ kind: 'challenge', address, ...issued.error });
    return issued;
  }

  /**
   * The session of a socket whose `auth` is a valid signed response to a challenge this coordinator issued
   * (signature, unused nonce, expiry, coordinator key, protocol version, site standing); else the refusal.
   */
  async authenticate(auth: unknown, address: string): Promise<Ack<SiteSession>> {
    const response = parseOrError(ChallengeResponse, auth);
    if (!response.ok) {
      const message = `connect with a signed challenge response as auth (POST ${FlRoute.challenge} first): ${response.error.message}`;
      void this.refusals.note({ kind: 'connection', address, code: 'unauthenticated', message });
      return fail('unauthenticated', message);
    }
    const { siteId, protocolVersion } = response.data;
    const verified = isSupportedVersion(protocolVersion)
      ? await this.registry.respond(response.data)
      : fail('version_mismatch', `protocol ${protocolVersion} is not supported`);
    if (!verified.ok) return this.refuse(siteId, address, verified.error);
    const site = verified.data;
    return ok({
      siteId: site.id,
      signingKey: fromBase64(site.signingKey, 32, 'signing key'),
      boxKey: fromBase64(site.boxKey, 32, 'box key'),
      protocolVersion,
      authenticatedAt: this.clock.now(),
    });
  }

  /**
   * Refusals that name an enrolled site are audited (a bad signature or a replay is worth the operator's
   * eyes) as the system, with the site as subject: whoever sent it has not proven to be that site. Made-up
   * site ids are only logged, so strangers cannot fill the audit log; repeats fold (StrangerRefusals).
   */
  private async refuse(
    siteId: string,
    address: string,
    error: { code: ErrorCode; message: string },
  ): Promise<Ack<never>> {
    const known = error.code !== 'unknown_site';
    await this.refusals.note({
      kind: 'connection',
      address,
      ...error,
      ...(known ? { auditAction: 'site.connection_refused', subject: siteId } : {}),
    });
    return fail(error.code, error.message);
  }
}
