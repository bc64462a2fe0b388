import { Inject, Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit } from '@nestjs/websockets';
import type { DefaultEventsMap, Namespace, Socket } from 'socket.io';
import type {
  Ack,
  ChunkReceipt,
  EnrollmentResult,
  HandshakeAccepted,
  SiteSession,
  SiteSync,
  SubmitReceipt,
  TransferChunk,
  TransferRef,
} from '@fedfuse/protocol';
import {
  FlEvent,
  Namespace as Namespaces,
  fail,
  flClientEventSchemas,
  isSupportedVersion,
  ok,
  parseOrError,
} from '@fedfuse/protocol';
import { fromBase64 } from '@fedfuse/crypto';
import type { SignedChallenge } from '@fedfuse/crypto';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { GlobalModelService } from '../services/global-model.service.ts';
import { ConnectionsService } from '../services/connections.service.ts';
import { RegistryService } from '../services/registry.service.ts';
import { RoundService } from '../services/round.service.ts';
import { SitePresenceService } from '../services/site-presence.service.ts';
import { SiteSyncService } from '../services/site-sync.service.ts';
import { SubmissionsService } from '../services/submissions.service.ts';
import { TransfersService } from '../services/transfers.service.ts';
import { RateLimiter } from './rate-limit.ts';
import { recordInbound } from './inbound-recorder.ts';
import type { CoordinatorSettings } from '../env.ts';
import { SETTINGS } from '../tokens.ts';

type FlSocket = Socket<
  DefaultEventsMap,
  DefaultEventsMap,
  DefaultEventsMap,
  { session?: SiteSession; challenges?: number }
>;

const AUTH_TIMEOUT_MS = 30_000;

/** The site namespace /fl: enrollment, the signed handshake, weight transfers and submissions. */
@WebSocketGateway({ namespace: Namespaces.fl })
export class FlGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer() private readonly namespace!: Namespace;
  private readonly logger = new Logger('fl');
  private readonly connectionsPerIp = new RateLimiter({ limit: 240, windowMs: 60_000 });

  constructor(
    @Inject(RegistryService) private readonly registry: RegistryService,
    @Inject(ConnectionsService) private readonly connections: ConnectionsService,
    @Inject(SiteSyncService) private readonly sync: SiteSyncService,
    @Inject(RoundService) private readonly rounds: RoundService,
    @Inject(SubmissionsService) private readonly submissions: SubmissionsService,
    @Inject(TransfersService) private readonly transfers: TransfersService,
    @Inject(GlobalModelService) private readonly models: GlobalModelService,
    @Inject(SitesRepository) private readonly sites: SitesRepository,
    @Inject(SitePresenceService) private readonly presence: SitePresenceService,
    @Inject(SETTINGS) private readonly settings: CoordinatorSettings,
  ) {}

  afterInit(namespace: Namespace): void {
    namespace.use((socket, next) => {
      // Site daemons are not browsers: a request with an Origin header comes from a web page.
      if (socket.handshake.headers.origin) return next(new Error('browser origins may not connect to /fl'));
      if (!this.connectionsPerIp.allow(socket.handshake.address))
        return next(new Error('rate_limited: too many connections'));
      next();
    });
  }

  handleConnection(socket: FlSocket): void {
    if (this.settings.recordInbound) recordInbound(socket, this.settings.recordInbound);
    setTimeout(() => {
      if (socket.connected && !socket.data.session) socket.disconnect(true);
    }, AUTH_TIMEOUT_MS).unref();
  }

  handleDisconnect(socket: FlSocket): void {
    const session = socket.data.session;
    if (session && this.connections.remove(session.siteId, socket)) {
      const siteId = session.siteId;
      void this.presence
        .gone(siteId)
        .then(() => this.registry.publish(siteId))
        .catch(() => undefined);
    }
  }

  private session(socket: FlSocket): SiteSession | undefined {
    return socket.data.session;
  }

  /** Re-sends the current instruction once the ack is out; a coordinator shutting down meanwhile is no error. */
  private resumeSoon(siteId: string): void {
    setTimeout(() => {
      this.rounds
        .resume(siteId)
        .catch((error: Error) => this.logger.warn(`resume ${siteId}: ${error.message}`));
    }, 50);
  }

  /** The site behind an accepted message is alive (throttled inside the presence service). */
  private seen(session: SiteSession): void {
    void this.presence.seen(session.siteId);
  }

  @SubscribeMessage(FlEvent.siteEnroll)
  async enroll(@MessageBody() raw: unknown): Promise<Ack<EnrollmentResult>> {
    const request = parseOrError(flClientEventSchemas[FlEvent.siteEnroll].payload, raw);
    if (!request.ok) return request;
    if (!isSupportedVersion(request.data.protocolVersion))
      return fail('version_mismatch', `protocol ${request.data.protocolVersion} is not supported`);
    return this.registry.enroll(request.data);
  }

  @SubscribeMessage(FlEvent.handshakeChallenge)
  async challenge(
    @ConnectedSocket() socket: FlSocket,
    @MessageBody() raw: unknown,
  ): Promise<Ack<SignedChallenge>> {
    const request = parseOrError(flClientEventSchemas[FlEvent.handshakeChallenge].payload, raw);
    if (!request.ok) return request;
    socket.data.challenges = (socket.data.challenges ?? 0) + 1;
    if (socket.data.challenges > 5)
      return fail('rate_limited', 'too many handshake attempts on this connection');
    if (!isSupportedVersion(request.data.protocolVersion))
      return fail('version_mismatch', `protocol ${request.data.protocolVersion} is not supported`);
    const result = await this.registry.challenge(request.data.siteId, request.data.protocolVersion);
    if (!result.ok)
      this.logger.warn(
        `handshake refused for ${request.data.siteId}: ${result.error.code} ${result.error.message}`,
      );
    return result;
  }

  @SubscribeMessage(FlEvent.handshakeRespond)
  async respond(
    @ConnectedSocket() socket: FlSocket,
    @MessageBody() raw: unknown,
  ): Promise<Ack<HandshakeAccepted>> {
    const response = parseOrError(flClientEventSchemas[FlEvent.handshakeRespond].payload, raw);
    if (!response.ok) return response;
    const verified = await this.registry.respond(response.data);
    if (!verified.ok) {
      this.logger.warn(
        `handshake refused for ${response.data.siteId}: ${verified.error.code} ${verified.error.message}`,
      );
      return verified;
    }
    const site = verified.data;
    socket.data.session = {
      siteId: site.id,
      signingKey: fromBase64(site.signing_key, 32, 'signing key'),
      boxKey: fromBase64(site.box_key, 32, 'box key'),
      protocolVersion: response.data.protocolVersion,
      authenticatedAt: Date.now(),
    };
    this.connections.add(site.id, socket);
    // Transport heartbeats (pongs) keep an idle but connected site's last-seen true.
    socket.conn.on('heartbeat', () => this.seen(socket.data.session!));
    await this.presence.seen(site.id, { force: true });
    const sync = await this.sync.forSite(site.id);
    // Re-send the current instruction once the ack is out, so the site knows its session first.
    this.resumeSoon(site.id);
    return ok({ siteId: site.id, sync });
  }

  @SubscribeMessage(FlEvent.statusResync)
  async resync(@ConnectedSocket() socket: FlSocket, @MessageBody() raw: unknown): Promise<Ack<SiteSync>> {
    const session = this.session(socket);
    if (!session) return fail('unauthenticated', 'complete the signed handshake first');
    const request = parseOrError(flClientEventSchemas[FlEvent.statusResync].payload, raw);
    if (!request.ok) return request;
    this.seen(session);
    this.resumeSoon(session.siteId);
    return ok(await this.sync.forSite(session.siteId));
  }

  @SubscribeMessage(FlEvent.siteReport)
  async report(@ConnectedSocket() socket: FlSocket, @MessageBody() raw: unknown): Promise<Ack> {
    const session = this.session(socket);
    if (!session) return fail('unauthenticated', 'complete the signed handshake first');
    const report = parseOrError(flClientEventSchemas[FlEvent.siteReport].payload, raw);
    if (!report.ok) return report;
    const { backend, softwareVersion, ...data } = report.data;
    await this.sites.report(session.siteId, { backend, softwareVersion, dataSummary: JSON.stringify(data) });
    this.seen(session);
    void this.registry.publish(session.siteId);
    return ok();
  }

  @SubscribeMessage(FlEvent.weightsFetch)
  fetch(@ConnectedSocket() socket: FlSocket, @MessageBody() raw: unknown): Ack<TransferRef> {
    const session = this.session(socket);
    if (!session) return fail('unauthenticated', 'complete the signed handshake first');
    const request = parseOrError(flClientEventSchemas[FlEvent.weightsFetch].payload, raw);
    if (!request.ok) return request;
    this.seen(session);
    const blob = this.models.byTransferId(request.data.transferId);
    if (!blob) return fail('unknown_transfer', `no model transfer ${request.data.transferId}`);
    if (request.data.fromIndex >= blob.transfer.ref.chunkCount)
      return fail('invalid_payload', 'fromIndex is past the last chunk');
    setImmediate(() => void this.stream(socket, { chunks: blob.transfer.chunks(request.data.fromIndex) }));
    return ok(blob.transfer.ref);
  }

  private async stream(socket: FlSocket, source: { chunks: Iterable<TransferChunk> }): Promise<void> {
    for (const chunk of source.chunks) {
      if (!socket.connected) return;
      try {
        const receipt = (await socket
          .timeout(30_000)
          .emitWithAck(FlEvent.weightsChunk, chunk)) as Ack<ChunkReceipt>;
        if (!receipt?.ok) return;
        if (socket.data.session) this.seen(socket.data.session);
      } catch {
        return;
      }
    }
  }

  @SubscribeMessage(FlEvent.deltaChunk)
  async chunk(@ConnectedSocket() socket: FlSocket, @MessageBody() raw: unknown): Promise<Ack<ChunkReceipt>> {
    const session = this.session(socket);
    if (!session) return fail('unauthenticated', 'complete the signed handshake first');
    const chunk = parseOrError(flClientEventSchemas[FlEvent.deltaChunk].payload, raw);
    if (!chunk.ok) return chunk;
    return this.accepted(session, await this.transfers.push(session.siteId, chunk.data));
  }

  @SubscribeMessage(FlEvent.roundSubmit)
  async submit(
    @ConnectedSocket() socket: FlSocket,
    @MessageBody() raw: unknown,
  ): Promise<Ack<SubmitReceipt>> {
    const session = this.session(socket);
    if (!session) return fail('unauthenticated', 'complete the signed handshake first');
    const res = parseOrError(flClientEventSchemas[FlEvent.roundSubmit].payload, raw);
    if (!res.ok)
      return this.submissions.refuse({
        siteId: session.siteId,
        roundId: null,
        code: res.error.code,
        message: res.error.message,
      });
    return this.accepted(session, await this.submissions.submitFit(session, res.data));
  }

  @SubscribeMessage(FlEvent.evaluateSubmit)
  async evaluate(
    @ConnectedSocket() socket: FlSocket,
    @MessageBody() raw: unknown,
  ): Promise<Ack<SubmitReceipt>> {
    const session = this.session(socket);
    if (!session) return fail('unauthenticated', 'complete the signed handshake first');
    const res = parseOrError(flClientEventSchemas[FlEvent.evaluateSubmit].payload, raw);
    if (!res.ok)
      return this.submissions.refuse({
        siteId: session.siteId,
        roundId: null,
        code: res.error.code,
        message: res.error.message,
      });
    return this.accepted(session, await this.submissions.submitEvaluation(session, res.data));
  }

  /** Passes an answer through, counting the message as a sign of life when it was accepted. */
  private accepted<T>(session: SiteSession, ack: Ack<T>): Ack<T> {
    if (ack.ok) this.seen(session);
    return ack;
  }
}
