import 'reflect-metadata';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { ExecutionContextHost } from '@nestjs/core/internal';
import type { ExecutionContext } from '@nestjs/common';
import type { Ack, ChunkReceipt, SiteSession as Session, SiteSync, TransferChunk } from '@fedfuse/protocol';
import { FlEvent } from '@fedfuse/protocol';
import { SessionMissing, SessionMissingFilter, SiteSession } from './site-session.decorator.ts';
import type { FlSocket } from './socket-types.ts';

const SESSION: Session = {
  siteId: '00000000-0000-4000-8000-000000000001',
  signingKey: new Uint8Array(32),
  boxKey: new Uint8Array(32),
  protocolVersion: 1,
  authenticatedAt: 1,
};

class Probe {
  handle(@SiteSession() session: Session): Session {
    return session;
  }
}

/** The factory Nest runs for `@SiteSession()`, read back from the metadata the decorator wrote. */
function sessionFactory(): (data: unknown, context: ExecutionContext) => Session {
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, Probe, 'handle') as Record<
    string,
    { factory: (data: unknown, context: ExecutionContext) => Session }
  >;
  return Object.values(args)[0]!.factory;
}

/** A gateway call as Nest hands it over: (socket, payload, ack, pattern). */
const wsCall = (data: { session?: Session }, ack: unknown) => {
  const host = new ExecutionContextHost([{ data }, {}, ack, 'round:submit']);
  host.setType('ws');
  return host;
};

describe('@SiteSession()', () => {
  it('hands the handler the socket’s verified session', () => {
    expect(sessionFactory()(undefined, wsCall({ session: SESSION }, undefined))).toBe(SESSION);
  });

  it('refuses a socket without a session, and the filter answers its ack with unauthenticated', () => {
    const ack = vi.fn();
    const host = wsCall({}, ack);
    expect(() => sessionFactory()(undefined, host)).toThrow(SessionMissing);
    new SessionMissingFilter().catch(new SessionMissing(), host);
    expect(ack).toHaveBeenCalledWith({
      ok: false,
      error: { code: 'unauthenticated', message: 'complete the signed handshake first' },
    });
  });
});

describe('the /fl socket type', () => {
  it('checks emits and acks against the protocol’s event maps', () => {
    const _pushChunk = (socket: FlSocket, chunk: TransferChunk) =>
      socket.timeout(1).emitWithAck(FlEvent.weightsChunk, chunk);
    expectTypeOf<Awaited<ReturnType<typeof _pushChunk>>>().toEqualTypeOf<Ack<ChunkReceipt>>();
    expectTypeOf<FlSocket['data']['session']>().toEqualTypeOf<Session | undefined>();
    // @ts-expect-error status:synced carries a SiteSync, not a chunk
    const wrongPayload = (socket: FlSocket, chunk: TransferChunk) => socket.emit(FlEvent.statusSynced, chunk);
    expectTypeOf(wrongPayload).toBeFunction();
    expectTypeOf<Parameters<FlSocket['emit']>>().not.toEqualTypeOf<[string, SiteSync]>();
  });
});
