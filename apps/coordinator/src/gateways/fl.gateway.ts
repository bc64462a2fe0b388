import { Inject, Logger, UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit } from '@nestjs/websockets';
import type {
  Ack,
  ChunkReceipt,
  ErrorCode,
  SiteSession as Session,
  SiteSync,
  SubmitReceipt,
  TransferRef,
} from '@fedfuse/protocol';
import {
  DEFAULT_CHUNK_WINDOW,
  FlEvent,
  Namespace as Namespaces,
  fail,
  flClientEventSchemas,
  ok,
  parseOrError,
} from '@fedfuse/protocol';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { GlobalModelService } from '../services/global-model.service.ts';
import type { Clock } from '../services/clock.ts';
import { ConnectionsService } from '../services/connections.service.ts';
import { RegistryService } from '../services/registry.service.ts';
import { RoundService } from '../services/round.service.ts';
import { SecAggRoundsService } from '../services/secagg-rounds.service.ts';
import { SiteAuthService } from '../services/site-auth.service.ts';
import { SiteFailuresService } from '../services/site-failures.service.ts';
import { SitePresenceService } from '../services/site-presence.service.ts';
import { SiteSyncService } from '../services/site-sync.service.ts';
import { SubmissionsService } from '../services/submissions.service.ts';
import { TransfersService } from '../services/transfers.service.ts';
import { HandshakeGate } from '../admission/handshake-gate.service.ts';
import { SiteMessageLimit } from '../admission/site-message-limit.service.ts';
import { StrangerRefusals } from '../admission/stranger-refusals.service.ts';
import { recordInbound } from './inbound-recorder.ts';
import { SessionMissingFilter, SiteSession } from './site-session.decorator.ts';
import type { FlNamespace, FlSocket } from './socket-types.ts';
import { WeightsStreams } from './weights-streams.ts';
import type { CoordinatorSettings } from '../env.ts';
import { CLOCK, SETTINGS } from '../tokens.ts';

/** A refusal as socket.io delivers it to the site's `connect_error`: the message, and the code in `data`. */
class ConnectionRefused extends Error {
  readonly data: { code: ErrorCode; message: string };

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.data = { code, message };
  }
}

/**
 * The site namespace /fl: every socket is authenticated by its signed challenge response before it
 * connects (on every reconnect too), then transfers weights and submits results.
 */
@WebSocketGateway({ namespace: Namespaces.fl })
@UseFilters(SessionMissingFilter)
export class FlGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer() private readonly namespace!: FlNamespace;
  private readonly logger = new Logger('fl');
  private readonly weightsStreams = new WeightsStreams();

  constructor(
    private readonly registry: RegistryService,
    private readonly connections: ConnectionsService,
    private readonly sync: SiteSyncService,
    private readonly rounds: RoundService,
    private readonly submissions: SubmissionsService,
    private readonly transfers: TransfersService,
    private readonly models: GlobalModelService,
    private readonly sites: SitesRepository,
    private readonly presence: SitePresenceService,
    private readonly auth: SiteAuthService,
    private readonly failures: SiteFailuresService,
    @Inject(SETTINGS) private readonly settings: CoordinatorSettings,
    private readonly gate: HandshakeGate,
    private readonly messageLimit: SiteMessageLimit,
    private readonly refusals: StrangerRefusals,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly secagg: SecAggRoundsService,
  ) {}

  afterInit(namespace: FlNamespace): void {
    // Middleware runs on every connection, reconnects included: connection-state recovery, which would
    // skip it, stays off (HardenedIoAdapter does not enable it; a test checks).
    namespace.use((socket, next) => {
      void this.admit(socket).then(
        (refused) => next(refused),
        (error: Error) => next(new ConnectionRefused('internal', `authentication failed: ${error.message}`)),
      );
    });
  }

  /** Sets the socket's session from its signed challenge response, or says why it may not connect. */
  private async admit(socket: FlSocket): Promise<ConnectionRefused | undefined> {
    const { headers, auth } = socket.handshake;
    const address = this.gate.clientAddress(socket.handshake.address, headers['x-forwarded-for']);
    const claimedSiteId = (auth as { siteId?: unknown } | undefined)?.siteId;
    if (!(await this.gate.admit(address, claimedSiteId, 'connection')))
      return new ConnectionRefused('rate_limited', 'too many connections from this address');
    // Site daemons are not browsers: a request with an Origin header comes from a web page.
    if (headers.origin) {
      const message = 'browser origins may not connect to /fl';
      void this.refusals.note({ kind: 'connection', address, code: 'unauthenticated', message });
      return new ConnectionRefused('unauthenticated', message);
    }
    const session = await this.auth.authenticate(auth, address);
    if (!session.ok) return new ConnectionRefused(session.error.code, session.error.message);
    if (!(await this.messageLimit.admitConnection(session.data.siteId, address)))
      return new ConnectionRefused('rate_limited', 'this site sent too many messages; retry in a minute');
    socket.data.session = session.data;
    socket.data.address = address;
    return undefined;
  }

  async handleConnection(socket: FlSocket): Promise<void> {
    if (this.settings.recordInbound) recordInbound(socket, this.settings.recordInbound, this.clock);
    const session = socket.data.session!;
    const siteId = session.siteId;
    this.messageLimit.guard(socket, siteId, socket.data.address ?? socket.handshake.address);
    this.connections.add(siteId, socket);
    // Transport heartbeats (pongs) keep an idle but connected site's last-seen true.
    socket.conn.on('heartbeat', () => this.seen(session));
    try {
      await this.presence.seen(siteId, { force: true });
      // The round-state sync the site needs after every (re)connect; then the current instruction.
      socket.emit(FlEvent.statusSynced, await this.sync.forSite(siteId));
      this.resumeSoon(siteId);
    } catch (error) {
      this.logger.warn(`sync ${siteId}: ${(error as Error).message}`);
      socket.disconnect(true);
    }
  }

  handleDisconnect(socket: FlSocket): void {
    const session = socket.data.session;
    if (session && this.connections.remove(session.siteId, socket)) {
      const siteId = session.siteId;
      // W7: an upload the site left behind is freed now, not when some later upload prunes it.
      void this.transfers.abandon(siteId, 'disconnected').catch(() => undefined);
      void this.presence
        .gone(siteId)
        .then(() => this.registry.publish(siteId))
        .catch(() => undefined);
    }
  }

  /** Re-sends the current instruction soon after the sync; a coordinator shutting down meanwhile is no error. */
  private resumeSoon(siteId: string, options: { force?: boolean } = {}): void {
    setTimeout(() => {
      this.rounds
        .resume(siteId, options)
        .catch((error: Error) => this.logger.warn(`resume ${siteId}: ${error.message}`));
    }, 50);
  }

  /** The site behind an accepted message is alive (throttled inside the presence service). */
  private seen(session: Session): void {
    void this.presence.seen(session.siteId);
  }

  @SubscribeMessage(FlEvent.statusResync)
  async resync(@SiteSession() session: Session, @MessageBody() raw: unknown): Promise<Ack<SiteSync>> {
    const request = parseOrError(flClientEventSchemas[FlEvent.statusResync].payload, raw);
    if (!request.ok) return request;
    this.seen(session);
    this.resumeSoon(session.siteId, { force: true });
    return ok(await this.sync.forSite(session.siteId));
  }

  @SubscribeMessage(FlEvent.siteReport)
  async report(@SiteSession() session: Session, @MessageBody() raw: unknown): Promise<Ack> {
    const report = parseOrError(flClientEventSchemas[FlEvent.siteReport].payload, raw);
    if (!report.ok) return report;
    const { backend, softwareVersion, schema, ...data } = report.data;
    await this.sites.report(session.siteId, {
      backend,
      softwareVersion,
      dataSummary: data,
      dataSchema: schema,
    });
    this.seen(session);
    void this.registry.publish(session.siteId);
    return ok();
  }

  @SubscribeMessage(FlEvent.weightsFetch)
  fetch(
    @ConnectedSocket() socket: FlSocket,
    @SiteSession() session: Session,
    @MessageBody() raw: unknown,
  ): Ack<TransferRef> {
    const request = parseOrError(flClientEventSchemas[FlEvent.weightsFetch].payload, raw);
    if (!request.ok) return request;
    this.seen(session);
    const { transferId, fromIndex, window = DEFAULT_CHUNK_WINDOW } = request.data;
    const blob = this.models.byTransferId(transferId);
    if (!blob) return fail('unknown_transfer', `no model transfer ${transferId}`);
    if (fromIndex >= blob.transfer.ref.chunkCount)
      return fail('invalid_payload', 'fromIndex is past the last chunk');
    const stream = { siteId: session.siteId, socket, window, onDelivered: () => this.seen(session) };
    // After the ack (the TransferRef) has gone out.
    setImmediate(
      () => void this.weightsStreams.start({ ...stream, chunks: blob.transfer.chunks(fromIndex) }),
    );
    return ok(blob.transfer.ref);
  }

  @SubscribeMessage(FlEvent.deltaChunk)
  async chunk(@SiteSession() session: Session, @MessageBody() raw: unknown): Promise<Ack<ChunkReceipt>> {
    const chunk = parseOrError(flClientEventSchemas[FlEvent.deltaChunk].payload, raw);
    if (!chunk.ok) return chunk;
    return this.accepted(
      session,
      await this.transfers.push(session.siteId, chunk.data, this.secagg.expects(session.siteId)),
    );
  }

  @SubscribeMessage(FlEvent.roundSubmit)
  async submit(@SiteSession() session: Session, @MessageBody() raw: unknown): Promise<Ack<SubmitReceipt>> {
    const res = parseOrError(flClientEventSchemas[FlEvent.roundSubmit].payload, raw);
    if (!res.ok) return this.refuseMalformed(session, res.error);
    return this.accepted(session, await this.submissions.submitFit(session, res.data));
  }

  @SubscribeMessage(FlEvent.evaluateSubmit)
  async evaluate(@SiteSession() session: Session, @MessageBody() raw: unknown): Promise<Ack<SubmitReceipt>> {
    const res = parseOrError(flClientEventSchemas[FlEvent.evaluateSubmit].payload, raw);
    if (!res.ok) return this.refuseMalformed(session, res.error);
    return this.accepted(session, await this.submissions.submitEvaluation(session, res.data));
  }

  /** A result that does not parse, refused (and counted) without a round to name. */
  private refuseMalformed(
    session: Session,
    error: { code: ErrorCode; message: string },
  ): Promise<Ack<SubmitReceipt>> {
    return this.submissions.refuse({ siteId: session.siteId, roundId: null, ...error });
  }

  /** A site says it cannot finish a round, and why: the round stops waiting for it. */
  @SubscribeMessage(FlEvent.roundFailed)
  async failed(@SiteSession() session: Session, @MessageBody() raw: unknown): Promise<Ack> {
    const failure = parseOrError(flClientEventSchemas[FlEvent.roundFailed].payload, raw);
    if (!failure.ok) return failure;
    this.seen(session);
    if (await this.failures.record(session.siteId, failure.data)) void this.rounds.kick(failure.data.runId);
    return ok();
  }

  /** A site's answer to a secure-aggregation stage; the stage's message is parsed by @fedfuse/secagg. */
  @SubscribeMessage(FlEvent.secaggSubmit)
  async secureAggregation(@SiteSession() session: Session, @MessageBody() raw: unknown): Promise<Ack> {
    const envelope = parseOrError(flClientEventSchemas[FlEvent.secaggSubmit].payload, raw);
    if (!envelope.ok) return envelope;
    return this.accepted(session, await this.secagg.receive(session.siteId, envelope.data));
  }

  /** Passes an answer through, counting the message as a sign of life when it was accepted. */
  private accepted<T>(session: Session, ack: Ack<T>): Ack<T> {
    if (ack.ok) this.seen(session);
    return ack;
  }
}
