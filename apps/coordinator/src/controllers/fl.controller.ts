import { Body, Controller, HttpCode, HttpException, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { Ack, Challenge, EnrollmentResult, ErrorCode } from '@fedfuse/protocol';
import { FlRoute, fail, flRouteSchemas, isSupportedVersion, parseOrError } from '@fedfuse/protocol';
import { HandshakeGate } from '../admission/handshake-gate.service.ts';
import { StrangerRefusals } from '../admission/stranger-refusals.service.ts';
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
  constructor(
    private readonly registry: RegistryService,
    private readonly auth: SiteAuthService,
    private readonly gate: HandshakeGate,
    private readonly refusals: StrangerRefusals,
  ) {}

  @Post(FlRoute.enroll)
  @HttpCode(200)
  async enroll(@Req() request: Request, @Body() body: unknown): Promise<Ack<EnrollmentResult>> {
    const address = await this.admit(request, 'enroll', undefined);
    const parsed = parseOrError(flRouteSchemas[FlRoute.enroll].payload, body);
    if (!parsed.ok) return answer(this.refused('enroll', address, parsed));
    const version = parsed.data.protocolVersion;
    if (!isSupportedVersion(version))
      return answer(
        this.refused('enroll', address, fail('version_mismatch', `protocol ${version} is not supported`)),
      );
    return answer(await this.registry.enroll(parsed.data, { address }));
  }

  @Post(FlRoute.challenge)
  @HttpCode(200)
  async challenge(@Req() request: Request, @Body() body: unknown): Promise<Ack<Challenge>> {
    const claimed = (body as { siteId?: unknown } | undefined)?.siteId;
    const address = await this.admit(request, 'challenge', claimed);
    return answer(await this.auth.challenge(body, address));
  }

  /** Logs the refusal (folded with its repeats) and passes it on. */
  private refused<T extends { ok: false; error: { code: ErrorCode; message: string } }>(
    kind: string,
    address: string,
    refusal: T,
  ): T {
    void this.refusals.note({ kind, address, ...refusal.error });
    return refusal;
  }

  /** Site daemons are not browsers, and each budget (see HandshakeGate) is bounded per minute. */
  private async admit(request: Request, kind: string, claimedSiteId: unknown): Promise<string> {
    const address = this.gate.clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for']);
    if (!(await this.gate.admit(address, claimedSiteId, kind)))
      throw refusal(fail('rate_limited', 'too many requests from this address; retry in a minute'));
    if (request.headers.origin) {
      const origin = fail('unauthenticated', 'browser origins may not call the site routes');
      throw refusal(this.refused(kind, address, origin));
    }
    return address;
  }
}
