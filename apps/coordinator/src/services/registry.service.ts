import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Ack, EnrollmentRequest, EnrollmentResult, SiteSummary, TokenInfo } from '@fedfuse/protocol';
import { fail, ok } from '@fedfuse/protocol';
import {
  NonceCache,
  createChallenge,
  fromBase64,
  verifyChallengeResponse,
  verifyEnrollment,
} from '@fedfuse/crypto';
import type { SignedChallenge } from '@fedfuse/crypto';
import { EnrollmentTokensRepository } from '../repositories/enrollment-tokens.repository.ts';
import { IdentityRepository } from '../repositories/identity.repository.ts';
import type { SiteRow, SiteStatus } from '../repositories/sites.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { StrangerRefusals } from '../admission/stranger-refusals.service.ts';
import { AuditService } from './audit.service.ts';
import { ConnectionsService } from './connections.service.ts';
import { SiteSummariesService } from './site-summaries.service.ts';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** What the operator may do to a site, from which states. */
const TRANSITIONS: Record<
  'approve' | 'suspend' | 'revoke' | 'reinstate',
  { from: SiteStatus[]; to: SiteStatus }
> = {
  approve: { from: ['pending'], to: 'approved' },
  suspend: { from: ['approved', 'pending'], to: 'suspended' },
  reinstate: { from: ['suspended'], to: 'approved' },
  revoke: { from: ['pending', 'approved', 'suspended'], to: 'revoked' },
};
export type SiteAction = keyof typeof TRANSITIONS;
const PAST_TENSE: Record<SiteAction, string> = {
  approve: 'approved',
  suspend: 'suspended',
  reinstate: 'reinstated',
  revoke: 'revoked',
};

/** Enrollment tokens, enrollment, the operator's decisions about sites, and the signed handshake. */
@Injectable()
export class RegistryService {
  private readonly nonces = new NonceCache();

  constructor(
    @Inject(SitesRepository) private readonly sites: SitesRepository,
    @Inject(EnrollmentTokensRepository) private readonly tokens: EnrollmentTokensRepository,
    @Inject(IdentityRepository) private readonly identity: IdentityRepository,
    @Inject(ConnectionsService) private readonly connections: ConnectionsService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(SiteSummariesService) private readonly summaries: SiteSummariesService,
    @Inject(StrangerRefusals) private readonly refusals: StrangerRefusals,
  ) {}

  /** A one-time enrollment token; only its hash is stored, so it is shown this once. */
  async createToken(options: { label: string; ttlSeconds: number; autoApprove: boolean }) {
    const token = randomBytes(24).toString('base64url');
    const now = Date.now();
    const row = {
      id: randomUUID(),
      token_hash: hashToken(token),
      label: options.label,
      created_at: now,
      expires_at: now + options.ttlSeconds * 1000,
      used_at: null,
      used_by_site: null,
      auto_approve: options.autoApprove ? 1 : 0,
    };
    await this.tokens.insert(row);
    await this.audit.record({
      actor: { kind: 'operator', id: 'operator' },
      action: 'token.created',
      subject: row.id,
      details: { label: row.label, expiresAt: row.expires_at },
    });
    return {
      id: row.id,
      token,
      label: row.label,
      expiresAt: row.expires_at,
      autoApprove: options.autoApprove,
    };
  }

  async listTokens(): Promise<TokenInfo[]> {
    const now = Date.now();
    return (await this.tokens.list()).map((t): TokenInfo => ({
      id: t.id,
      label: t.label,
      createdAt: t.created_at,
      expiresAt: t.expires_at,
      usedAt: t.used_at,
      usedBySite: t.used_by_site,
      state: t.used_at ? 'used' : t.expires_at < now ? 'expired' : 'open',
    }));
  }

  /** Enrolls a new site with a valid, unused, unexpired token; the token is consumed exactly once. */
  async enroll(request: EnrollmentRequest, from: { address: string }): Promise<Ack<EnrollmentResult>> {
    // The requester is unauthenticated: audited as the system with its address, never under its chosen name.
    const refuse = async (code: Parameters<typeof fail>[0], message: string) => {
      await this.refusals.note({
        kind: 'enroll',
        address: from.address,
        code,
        message,
        auditAction: 'site.enroll_refused',
      });
      return fail(code, message);
    };
    // The token first: a hash and a lookup; only a live token buys the (costly) signature check.
    const token = await this.tokens.findByHash(hashToken(request.token));
    const now = Date.now();
    if (!token) return refuse('unauthenticated', 'unknown enrollment token');
    if (token.used_at) return refuse('replayed', 'this enrollment token was already used');
    if (token.expires_at < now)
      return refuse('expired', 'this enrollment token has expired; ask the operator for a new one');
    const keys = verifyEnrollment(request);
    if (!keys.ok) return refuse(keys.error.code, keys.error.message);
    if (await this.sites.findBySigningKey(request.signingKey))
      return refuse('duplicate', 'a site with this signing key is already enrolled');
    // W3: two sites sharing a box key could open each other's sealed instructions; one key, one site.
    if (await this.sites.findByBoxKey(request.boxKey))
      return refuse('duplicate', 'a site with this box key is already enrolled; generate a fresh key pair');
    const siteId = randomUUID();
    if (!(await this.tokens.consume(token.id, { at: now, siteId })))
      return refuse('replayed', 'this enrollment token was already used');
    const status: SiteStatus = token.auto_approve ? 'approved' : 'pending';
    await this.sites.insert({
      id: siteId,
      name: request.siteName,
      signing_key: request.signingKey,
      box_key: request.boxKey,
      status,
      enrolled_at: now,
    });
    await this.audit.record({
      actor: { kind: 'site', id: siteId },
      action: 'site.enrolled',
      subject: request.siteName,
      details: { status, token: token.label },
    });
    await this.publish(siteId);
    const coordinator = this.identity.get();
    const publicKeys = coordinator.publicKeys();
    return ok({
      siteId,
      status,
      coordinatorSigningKey: publicKeys.signingKey,
      coordinatorBoxKey: publicKeys.boxKey,
      coordinatorFingerprint: coordinator.fingerprint(),
    });
  }

  /** Applies an operator decision; suspending or revoking drops the site's connection at once. */
  async decide(siteId: string, action: SiteAction): Promise<Ack<SiteSummary>> {
    const site = await this.sites.find(siteId);
    if (!site) return fail('not_found', `no site ${siteId}`);
    const rule = TRANSITIONS[action];
    if (!rule.from.includes(site.status))
      return fail('invalid_payload', `cannot ${action} a site that is ${site.status}`);
    await this.sites.setStatus(siteId, rule.to);
    if (rule.to !== 'approved') this.connections.disconnect(siteId);
    await this.audit.record({
      actor: { kind: 'operator', id: 'operator' },
      action: `site.${PAST_TENSE[action]}`,
      subject: siteId,
      details: { name: site.name, from: site.status, to: rule.to },
    });
    return ok(await this.publish(siteId));
  }

  /** The coordinator's signed challenge for a known site in good standing. */
  async challenge(siteId: string, protocolVersion: number): Promise<Ack<SignedChallenge>> {
    const site = await this.sites.find(siteId);
    const standing = this.standing(site, siteId);
    if (!standing.ok) return standing;
    const issued = createChallenge({
      coordinator: this.identity.get(),
      siteId,
      protocolVersion,
      nonces: this.nonces,
      now: Date.now(),
    });
    return issued.ok ? ok(issued.data) : fail(issued.error.code, issued.error.message);
  }

  /** Verifies a site's signed answer to its challenge; the socket is authenticated when this succeeds. */
  async respond(response: SignedChallenge): Promise<Ack<SiteRow>> {
    const site = await this.sites.find(response.siteId);
    const standing = this.standing(site, response.siteId);
    if (!standing.ok) return standing;
    const verified = verifyChallengeResponse({
      response,
      siteSigningKey: fromBase64(site!.signing_key, 32, 'signing key'),
      coordinatorKey: this.identity.get().signingPublicKey,
      protocolVersion: response.protocolVersion,
      nonces: this.nonces,
      now: Date.now(),
    });
    if (!verified.ok) return fail(verified.error.code, verified.error.message);
    return ok(site!);
  }

  private standing(site: SiteRow | undefined, siteId: string): Ack<SiteRow> {
    if (!site) return fail('unknown_site', `no enrolled site ${siteId}`);
    if (site.status === 'revoked')
      return fail('revoked', 'this site was revoked by the operator; it must enroll again');
    if (site.status === 'suspended') return fail('suspended', 'this site is suspended by the operator');
    if (site.status === 'pending')
      return fail('pending_approval', 'this site is waiting for the operator to approve it');
    return ok(site);
  }

  /** The site as the dashboard shows it, broadcast to every dashboard. */
  publish(siteId: string): Promise<SiteSummary> {
    return this.summaries.publish(siteId);
  }
}
