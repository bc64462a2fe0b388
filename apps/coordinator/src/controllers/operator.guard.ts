import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { sameSecret } from '../gateways/ops.gateway.ts';
import { OperatorTokenService } from '../services/operator-token.service.ts';

/** Lets a request through only with `Authorization: Bearer <operator token>`. */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(@Inject(OperatorTokenService) private readonly token: OperatorTokenService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!presented || !sameSecret(presented, this.token.get())) {
      throw new UnauthorizedException('missing or wrong operator token (Authorization: Bearer <token>)');
    }
    return true;
  }
}
