import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type {
  Ack,
  CreatedToken,
  EnrollmentRequest,
  EnrollmentResult,
  SiteSummary,
  TokenInfo,
} from '@fedfuse/protocol';
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
import type { Site, SiteStatus } from '../repositories/sites.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { StrangerRefusals } from '../admission/stranger-refusals.service.ts';
import { CLOCK } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';
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
    private readonly sites: SitesRepository,
    private readonly tokens: EnrollmentTokensRepository,
    private readonly identity: IdentityRepository,
    private readonly connections: ConnectionsService,
    private readonly audit: AuditService,
    private readonly summaries: SiteSummariesService,
    private readonly refusals: StrangerRefusals,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** A one-time enrollment token; only its hash is stored, so it is shown this once. */
  async createToken(options: {
    label: string;
    ttlSeconds: number;
    autoApprove: boolean;
  }): Promise<CreatedToken> {
    const token = randomBytes(24).toString('base64url');
    const now = this.clock.now();
    const stored = {
      id: randomUUID(),
      tokenHash: hashToken(token),
      label: options.label,
      createdAt: now,
      expiresAt: now + options.ttlSeconds * 1000,
      autoApprove: options.autoApprove,
    };
    await this.tokens.insert(stored);
    await this.audit.record({
      actor: { kind: 'operator', id: 'operator' },
      action: 'token.created',
      subject: stored.id,
      details: { label: stored.label, expiresAt: stored.expiresAt },
    });
    const { id, label, expiresAt, autoApprove } = stored;
    return { id, token, label, expiresAt, autoApprove };
  }

  async listTokens(): Promise<TokenInfo[]> {
    const now = this.clock.now();
    return (await this.tokens.list()).map((t): TokenInfo => ({
      id: t.id,
      label: t.label,
      createdAt: t.createdAt,
      expiresAt: t.expiresAt,
      usedAt: t.usedAt,
      usedBySite: t.usedBySite,
      state: t.usedAt ? 'used' : t.expiresAt < now ? 'expired' : 'open',
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
    const now = this.clock.now();
    if (!token) return refuse('unauthenticated', 'unknown enrollment token');
    if (token.usedAt) return refuse('replayed', 'this enrollment token was already used');
    if (token.expiresAt < now)
      return refuse('expired', 'this enrollment token has expired; ask the operator for a new one');
    const keys = verifyEnrollment(request);
    if (!keys.ok) return refuse(keys.error.code, keys.error.message);
    if (await this.sites.findBySigningKey(request.signingKey))
      return refuse('duplicate', 'a site with this signing key is already enrolled');
    // W3: two sites sharing a box key could open each other's sealed instructions; one key, one site.
    if (await this.sites.findByBoxKey(request.boxKey))
      return refuse('duplicate', 'a site with this box key is already enrolled; generate a fresh key pair');
    const siteId = randomUUID();
    const status: SiteStatus = token.autoApprove ? 'approved' : 'pending';
    // The lookups above name the key for the usual case; the database decides a race between two requests.
    const outcome = await this.sites.enroll(
      {
        id: siteId,
        name: request.siteName,
        signingKey: request.signingKey,
        boxKey: request.boxKey,
        status,
        enrolledAt: now,
      },
      { id: token.id, at: now },
    );
    if (outcome === 'token_used') return refuse('replayed', 'this enrollment token was already used');
    if (outcome === 'duplicate_key')
      return refuse('duplicate', 'a site with this signing key or box key is already enrolled');
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
      now: this.clock.now(),
    });
    return issued.ok ? ok(issued.data) : fail(issued.error.code, issued.error.message);
  }

  /** Verifies a site's signed answer to its challenge; the socket is authenticated when this succeeds. */
  async respond(response: SignedChallenge): Promise<Ack<Site>> {
    const site = await this.sites.find(response.siteId);
    const standing = this.standing(site, response.siteId);
    if (!standing.ok) return standing;
    const verified = verifyChallengeResponse({
      response,
      siteSigningKey: fromBase64(site!.signingKey, 32, 'signing key'),
      coordinatorKey: this.identity.get().signingPublicKey,
      protocolVersion: response.protocolVersion,
      nonces: this.nonces,
      now: this.clock.now(),
    });
    if (!verified.ok) return fail(verified.error.code, verified.error.message);
    return ok(site!);
  }

  private standing(site: Site | undefined, siteId: string): Ack<Site> {
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
