import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { CoordinatorSettings } from '../env.ts';
import { sameSecret } from '../same-secret.ts';
import { CLOCK, SETTINGS } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';
import type { FailedSignIns } from './failed-sign-ins.ts';
import { FailedSignInFolder } from './failed-sign-ins.ts';
import { OperatorTokenService } from './operator-token.service.ts';

/** The outcome of one operator sign-in (REST bearer token or /ops socket). */
export type OperatorAuthResult =
  | { ok: true }
  | { ok: false; reason: 'wrong_token' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

const SYSTEM = { kind: 'system', id: 'coordinator' } as const;

/**
 * W1 (issue 13): checks the operator token in constant time and throttles failures per source address.
 * `operatorAuthLimit` wrong tokens per `operatorAuthWindowMs` window are answered 401; after that the
 * address is refused unchecked (429, Retry-After) until its window ends, even with the right token, so a
 * guesser learns nothing more. Each address's refusals in a window become one audit entry with counts.
 */
@Injectable()
export class OperatorAuthService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('operator-auth');
  private readonly failures: RateLimiterMemory;
  private readonly folder: FailedSignInFolder;

  constructor(
    @Inject(SETTINGS) private readonly settings: CoordinatorSettings,
    private readonly token: OperatorTokenService,
    private readonly audits: AuditService,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.folder = new FailedSignInFolder((tally) => this.audit(tally), clock);
    this.failures = new RateLimiterMemory({
      points: settings.operatorAuthLimit,
      duration: settings.operatorAuthWindowMs / 1000,
    });
  }

  async check(address: string, presented: string | undefined): Promise<OperatorAuthResult> {
    const state = await this.failures.get(address);
    if (state && state.consumedPoints > this.settings.operatorAuthLimit)
      return this.refuse(address, state.msBeforeNext);
    if (presented && sameSecret(presented, this.token.get())) return { ok: true };
    const consumed = await this.failures.consume(address).catch((rejection: unknown) => {
      if (rejection instanceof RateLimiterRes) return rejection;
      throw rejection;
    });
    if (consumed.consumedPoints > this.settings.operatorAuthLimit)
      return this.refuse(address, consumed.msBeforeNext);
    const tally = this.folder.note({ address, throttled: false, windowLeftMs: consumed.msBeforeNext });
    if (tally.refused === 1)
      this.logger.warn(
        `operator authentication failed from ${address} (wrong or missing token); ` +
          'further failures from it in this window are counted into one audit entry',
      );
    return { ok: false, reason: 'wrong_token' };
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.folder.flushAll();
  }

  private refuse(address: string, msBeforeNext: number): OperatorAuthResult {
    const tally = this.folder.note({ address, throttled: true, windowLeftMs: msBeforeNext });
    const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    if (tally.throttled === 1)
      this.logger.warn(
        `operator authentication throttled for ${address}: ${tally.refused - 1} failures in ` +
          `${this.settings.operatorAuthWindowMs} ms; refused for ${retryAfterSeconds} s`,
      );
    return { ok: false, reason: 'throttled', retryAfterSeconds };
  }

  private async audit(tally: FailedSignIns): Promise<void> {
    await this.audits
      .record({
        actor: SYSTEM,
        action: 'operator.auth_failed',
        subject: tally.address,
        outcome: 'refused',
        details: { ...tally, windowMs: this.settings.operatorAuthWindowMs },
      })
      .catch((error: Error) => this.logger.error(`could not audit failed sign-ins: ${error.message}`));
  }
}
