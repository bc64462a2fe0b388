import { Catch, createParamDecorator } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter, ExecutionContext } from '@nestjs/common';
import type { SiteSession as Session } from '@fedfuse/protocol';
import { fail } from '@fedfuse/protocol';
import type { FlSocket } from './socket-types.ts';

/** A `/fl` message on a socket without a verified session (the middleware should make this unreachable). */
export class SessionMissing extends Error {
  constructor() {
    super('complete the signed handshake first');
    this.name = 'SessionMissing';
  }
}

/**
 * The verified session of the `/fl` socket a message came on; a socket without one never reaches the
 * handler: SessionMissingFilter answers its ack with `unauthenticated`.
 * @example async report(@SiteSession() session: SiteSession, @MessageBody() raw: unknown)
 */
export const SiteSession = createParamDecorator((_: unknown, context: ExecutionContext): Session => {
  const session = context.switchToWs().getClient<FlSocket>().data.session;
  if (!session) throw new SessionMissing();
  return session;
});

/** Answers a message that had no session with an `unauthenticated` Ack, as every `/fl` request expects. */
@Catch(SessionMissing)
export class SessionMissingFilter implements ExceptionFilter<SessionMissing> {
  catch(exception: SessionMissing, host: ArgumentsHost): void {
    // Nest calls a gateway handler with (socket, payload, ack, pattern); the ack is the site's callback.
    const ack: unknown = host.getArgByIndex(2);
    if (typeof ack === 'function')
      (ack as (answer: unknown) => void)(fail('unauthenticated', exception.message));
  }
}
