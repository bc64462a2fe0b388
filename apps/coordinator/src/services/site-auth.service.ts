import { Inject, Injectable, Logger } from '@nestjs/common';
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
import { AuditService } from './audit.service.ts';
import { RegistryService } from './registry.service.ts';

/**
 * The signed challenge of every `/fl` connection: challenges are handed out over HTTP, and the socket's
 * namespace middleware presents the site's signed response here before the socket may connect.
 */
@Injectable()
export class SiteAuthService {
  private readonly logger = new Logger('fl');

  constructor(
    @Inject(RegistryService) private readonly registry: RegistryService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  /** A signed challenge for a known site in good standing that speaks a supported protocol version. */
  async challenge(raw: unknown): Promise<Ack<Challenge>> {
    const request = parseOrError(flRouteSchemas[FlRoute.challenge].payload, raw);
    if (!request.ok) return request;
    const { siteId, protocolVersion } = request.data;
    const issued = isSupportedVersion(protocolVersion)
      ? await this.registry.challenge(siteId, protocolVersion)
      : fail('version_mismatch', `protocol ${protocolVersion} is not supported`);
    if (!issued.ok)
      this.logger.warn(`challenge refused for ${siteId}: ${issued.error.code} ${issued.error.message}`);
    return issued;
  }

  /**
   * The session of a socket whose `auth` is a valid signed response to a challenge this coordinator issued
   * (signature, unused nonce, expiry, coordinator key, protocol version, site standing); else the refusal.
   */
  async authenticate(auth: unknown): Promise<Ack<SiteSession>> {
    const response = parseOrError(ChallengeResponse, auth);
    if (!response.ok) {
      const message = `connect with a signed challenge response as auth (POST ${FlRoute.challenge} first): ${response.error.message}`;
      this.logger.warn(`connection refused: unauthenticated ${message}`);
      return fail('unauthenticated', message);
    }
    const { siteId, protocolVersion } = response.data;
    const verified = isSupportedVersion(protocolVersion)
      ? await this.registry.respond(response.data)
      : fail('version_mismatch', `protocol ${protocolVersion} is not supported`);
    if (!verified.ok) return this.refuse(siteId, verified.error);
    const site = verified.data;
    return ok({
      siteId: site.id,
      signingKey: fromBase64(site.signing_key, 32, 'signing key'),
      boxKey: fromBase64(site.box_key, 32, 'box key'),
      protocolVersion,
      authenticatedAt: Date.now(),
    });
  }

  /**
   * Refusals for an enrolled site are audited (a bad signature or a replay is worth the operator's eyes);
   * made-up site ids are only logged, so strangers cannot fill the audit log.
   */
  private async refuse(siteId: string, error: { code: ErrorCode; message: string }): Promise<Ack<never>> {
    this.logger.warn(`connection refused for ${siteId}: ${error.code} ${error.message}`);
    if (error.code === 'unknown_site') return fail(error.code, error.message);
    await this.audit.record({
      actor: { kind: 'site', id: siteId },
      action: 'site.connection_refused',
      outcome: 'refused',
      details: { code: error.code, message: error.message },
    });
    return fail(error.code, error.message);
  }
}
