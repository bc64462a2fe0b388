import { Body, Controller, HttpCode, HttpException, Inject, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { Ack, Challenge, EnrollmentResult, ErrorCode } from '@fedfuse/protocol';
import { FlRoute, fail, flRouteSchemas, isSupportedVersion, parseOrError } from '@fedfuse/protocol';
import { RateLimiter } from '../gateways/rate-limit.ts';
import { RegistryService } from '../services/registry.service.ts';
import { SiteAuthService } from '../services/site-auth.service.ts';

const STATUS: Partial<Record<ErrorCode, number>> = {
  rate_limited: 429,
  unknown_site: 404,
  unauthenticated: 403,
  pending_approval: 403,
  suspended: 403,
  revoked: 403,
  replayed: 403,
  expired: 403,
  internal: 500,
};

/** A refusal keeps the Ack body (the site reads its code) under the HTTP status it stands for. */
function refusal(ack: { ok: false; error: { code: ErrorCode; message: string } }): HttpException {
  return new HttpException(ack, STATUS[ack.error.code] ?? 400);
}

function answer<T>(ack: Ack<T>): Ack<T> {
  if (ack.ok) return ack;
  throw refusal(ack);
}

/**
 * What a site asks over HTTP rather than on its socket: enrollment (it has no id yet) and the challenge it
 * signs to open the socket, so that `/fl` never holds an unauthenticated socket. Answers are Acks.
 */
@Controller()
export class FlController {
  private readonly requestsPerIp = new RateLimiter({ limit: 240, windowMs: 60_000 });

  constructor(
    @Inject(RegistryService) private readonly registry: RegistryService,
    @Inject(SiteAuthService) private readonly auth: SiteAuthService,
  ) {}

  @Post(FlRoute.enroll)
  @HttpCode(200)
  async enroll(@Req() request: Request, @Body() body: unknown): Promise<Ack<EnrollmentResult>> {
    this.admit(request);
    const parsed = parseOrError(flRouteSchemas[FlRoute.enroll].payload, body);
    if (!parsed.ok) return answer(parsed);
    const version = parsed.data.protocolVersion;
    if (!isSupportedVersion(version))
      return answer(fail('version_mismatch', `protocol ${version} is not supported`));
    return answer(await this.registry.enroll(parsed.data));
  }

  @Post(FlRoute.challenge)
  @HttpCode(200)
  async challenge(@Req() request: Request, @Body() body: unknown): Promise<Ack<Challenge>> {
    this.admit(request);
    return answer(await this.auth.challenge(body));
  }

  /** Site daemons are not browsers, and one address gets a bounded number of requests per minute. */
  private admit(request: Request): void {
    if (request.headers.origin)
      throw refusal(fail('unauthenticated', 'browser origins may not call the site routes'));
    if (!this.requestsPerIp.allow(request.socket.remoteAddress ?? ''))
      throw refusal(fail('rate_limited', 'too many requests from this address; retry in a minute'));
  }
}
