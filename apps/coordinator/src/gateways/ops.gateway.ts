import { Inject, Logger } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { OnGatewayConnection, OnGatewayInit } from '@nestjs/websockets';
import type { Ack, AuditPage, FederationSnapshot } from '@fedfuse/protocol';
import {
  Namespace as Namespaces,
  OpsEvent,
  ok,
  opsClientEventSchemas,
  parseOrError,
} from '@fedfuse/protocol';
import type { CoordinatorSettings } from '../env.ts';
import { AuditRepository } from '../repositories/audit.repository.ts';
import { auditPage } from '../services/audit-pages.ts';
import { HandshakeGate } from '../admission/handshake-gate.service.ts';
import { OperatorAuthService } from '../services/operator-auth.service.ts';
import { OpsBroadcaster } from '../services/ops-broadcaster.service.ts';
import { OpsSnapshotService } from '../services/ops-snapshot.service.ts';
import { SETTINGS } from '../tokens.ts';
import type { OpsNamespace, OpsSocket } from './socket-types.ts';

/** The dashboard namespace /ops: operator-token sign-in, live broadcasts, snapshots and audit pages. */
@WebSocketGateway({ namespace: Namespaces.ops })
export class OpsGateway implements OnGatewayInit, OnGatewayConnection {
  @WebSocketServer() private readonly namespace!: OpsNamespace;
  private readonly logger = new Logger('ops');

  constructor(
    private readonly broadcaster: OpsBroadcaster,
    private readonly snapshots: OpsSnapshotService,
    private readonly audit: AuditRepository,
    private readonly operatorAuth: OperatorAuthService,
    @Inject(SETTINGS) private readonly settings: CoordinatorSettings,
    private readonly gate: HandshakeGate,
  ) {}

  afterInit(namespace: OpsNamespace): void {
    this.broadcaster.attach(namespace);
    namespace.use((socket, next) => {
      const origin = socket.handshake.headers.origin;
      const host = socket.handshake.headers.host;
      const sameOrigin = origin !== undefined && host !== undefined && new URL(origin).host === host;
      if (origin && !sameOrigin && !this.settings.allowedOrigins.includes(origin))
        return next(new Error(`origin ${origin} is not allowed`));
      const token = (socket.handshake.auth as { token?: unknown }).token;
      const presented = typeof token === 'string' ? token : undefined;
      const address = this.gate.clientAddress(
        socket.handshake.address,
        socket.handshake.headers['x-forwarded-for'],
      );
      void this.operatorAuth.check(address, presented).then(
        (result) => {
          if (result.ok) return next();
          if (result.reason === 'wrong_token')
            return next(new Error('unauthenticated: wrong operator token'));
          const refusal = new Error(
            `too many failed operator sign-ins from this address; retry in ${result.retryAfterSeconds} s`,
          ) as Error & { data?: unknown };
          refusal.data = { code: 'rate_limited', retryAfterSeconds: result.retryAfterSeconds };
          next(refusal);
        },
        (error: Error) => next(error),
      );
    });
  }

  async handleConnection(socket: OpsSocket): Promise<void> {
    // Nest does not await this hook: a failed snapshot (the database closing at shutdown) would be an
    // unhandled rejection, which ends the process. The dashboard reconnects and asks again.
    try {
      await socket.join('operators');
      socket.emit(OpsEvent.federationSynced, await this.snapshots.snapshot());
    } catch (error) {
      this.logger.warn(`operator connection dropped: no federation snapshot (${(error as Error).message})`);
      socket.disconnect(true);
    }
  }

  @SubscribeMessage(OpsEvent.federationSnapshot)
  async snapshot(@MessageBody() raw: unknown): Promise<Ack<FederationSnapshot>> {
    const request = parseOrError(opsClientEventSchemas[OpsEvent.federationSnapshot].payload, raw ?? {});
    if (!request.ok) return request;
    return ok(await this.snapshots.snapshot());
  }

  @SubscribeMessage(OpsEvent.auditList)
  async auditList(@MessageBody() raw: unknown): Promise<Ack<AuditPage>> {
    const query = parseOrError(opsClientEventSchemas[OpsEvent.auditList].payload, raw);
    if (!query.ok) return query;
    const { before, cursor, limit } = query.data;
    return ok(await auditPage(this.audit, { before: before ?? undefined, cursor, limit }));
  }
}
