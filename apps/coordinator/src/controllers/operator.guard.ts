import { HttpException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { HandshakeGate } from '../admission/handshake-gate.service.ts';
import { OperatorAuthService } from '../services/operator-auth.service.ts';

/** Lets a request through only with `Authorization: Bearer <operator token>`; failures are throttled (W1). */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(
    private readonly auth: OperatorAuthService,
    private readonly gate: HandshakeGate,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const address = this.gate.clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for']);
    const result = await this.auth.check(address, presented);
    if (result.ok) return true;
    if (result.reason === 'throttled') {
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', result.retryAfterSeconds);
      throw new HttpException(
        {
          statusCode: 429,
          error: 'Too Many Requests',
          message: `too many failed operator sign-ins from this address; retry in ${result.retryAfterSeconds} s`,
        },
        429,
      );
    }
    throw new UnauthorizedException('missing or wrong operator token (Authorization: Bearer <token>)');
  }
}
