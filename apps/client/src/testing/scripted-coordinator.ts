import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Identity } from '@fedfuse/crypto';
import { NonceCache, createChallenge, fromBase64, verifyChallengeResponse } from '@fedfuse/crypto';
import type {
  Ack,
  ChunkedTransfer,
  FlClientToServerEvents,
  FlServerToClientEvents,
  SiteStatus,
  SiteSync,
} from '@fedfuse/protocol';
import {
  ChunkReassembler,
  FlEvent,
  MAX_MESSAGE_BYTES,
  Namespace,
  PROTOCOL_VERSION,
  fail,
  flClientEventSchemas,
  parseOrError,
} from '@fedfuse/protocol';
import { Server, type Socket } from 'socket.io';

type FlServerSocket = Socket<FlClientToServerEvents, FlServerToClientEvents>;

/** One thing a site sent, as the scripted coordinator recorded it. */
export interface Received {
  event: string;
  payload: unknown;
  socket: FlServerSocket;
}

/** How the coordinator answers a request; return undefined to leave the site without an answer. */
export type Responder = (
  payload: unknown,
  socket: FlServerSocket,
) => Ack<unknown> | undefined | Promise<Ack<unknown> | undefined>;

/**
 * A coordinator played by a test: a real socket.io server on 127.0.0.1 (port 0) speaking the handshake
 * with @fedfuse/crypto, serving weights transfers and collecting delta chunks. Tests override any answer
 * with `respond(event, fn)` and await what the site sends with `next(event)`; nothing sleeps.
 */
export class ScriptedCoordinator {
  readonly received: Received[] = [];
  readonly deltas = new Map<string, ChunkReassembler>();
  status: SiteStatus = 'approved';
  readonly url: string;
  readonly identity: Identity;
  readonly site: { siteId: string; signingKey: string; boxKey: string };
  private readonly waiters: { event: string; after: number; resolve: (r: Received) => void }[] = [];
  private readonly responders = new Map<string, Responder>();
  private readonly transfers = new Map<string, ChunkedTransfer>();
  private readonly nonces = new NonceCache();
  private readonly sessions = new WeakSet<FlServerSocket>();

  private constructor(
    private readonly io: Server,
    options: {
      url: string;
      identity: Identity;
      site: { siteId: string; signingKey: string; boxKey: string };
    },
  ) {
    this.url = options.url;
    this.identity = options.identity;
    this.site = options.site;
    io.of(Namespace.fl).on('connection', (socket: FlServerSocket) => this.attach(socket));
  }

  /** Listen on 127.0.0.1 port 0 for one enrolled site. */
  static async start(options: {
    identity: Identity;
    site: { siteId: string; signingKey: string; boxKey: string };
  }): Promise<ScriptedCoordinator> {
    const http = createServer();
    const io = new Server(http, { maxHttpBufferSize: MAX_MESSAGE_BYTES, transports: ['websocket'] });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    return new ScriptedCoordinator(io, { ...options, url: `http://127.0.0.1:${port}` });
  }

  /** Serve `transfer` to `weights:fetch`. */
  offer(transfer: ChunkedTransfer): void {
    this.transfers.set(transfer.ref.transferId, transfer);
  }

  /** Answer `event` with `responder` from now on. */
  respond(event: string, responder: Responder): void {
    this.responders.set(event, responder);
  }

  /** The next `event` from the site (after everything already awaited or counted in `after`). */
  next(event: string, after = this.count(event)): Promise<Received> {
    const seen = this.received.filter((r) => r.event === event);
    if (seen.length > after) return Promise.resolve(seen[after]!);
    return new Promise((resolve) => this.waiters.push({ event, after, resolve }));
  }

  /** How many `event`s arrived so far. */
  count(event: string): number {
    return this.received.filter((r) => r.event === event).length;
  }

  /** The connected site sockets. */
  sockets(): FlServerSocket[] {
    return [...this.io.of(Namespace.fl).sockets.values()] as FlServerSocket[];
  }

  /** Emit to every site and collect their acks. */
  async emitWithAck(
    event: typeof FlEvent.roundStart | typeof FlEvent.evaluateStart,
    payload: unknown,
  ): Promise<unknown[]> {
    return Promise.all(
      this.sockets().map((s) =>
        (
          s.timeout(10_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }
        ).emitWithAck(event, payload),
      ),
    );
  }

  /** The SiteSync a handshake returns. */
  sync(): SiteSync {
    return {
      siteId: this.site.siteId,
      siteStatus: this.status,
      serverTime: Date.now(),
      run: null,
      round: null,
    };
  }

  /** Stop the server. */
  async close(): Promise<void> {
    await this.io.close();
  }

  private record(event: string, payload: unknown, socket: FlServerSocket): void {
    const entry = { event, payload, socket };
    this.received.push(entry);
    const index = this.count(event) - 1;
    for (const w of this.waiters.filter((x) => x.event === event && x.after === index)) w.resolve(entry);
  }

  private attach(socket: FlServerSocket): void {
    for (const event of Object.keys(flClientEventSchemas)) {
      socket.on(event as keyof FlClientToServerEvents, async (raw: unknown, ack: unknown) => {
        const parsed = parseOrError(
          flClientEventSchemas[event as keyof typeof flClientEventSchemas].payload,
          raw,
        );
        this.record(event, parsed.ok ? parsed.data : raw, socket);
        const answer = parsed.ok ? await this.answer(event, parsed.data, socket) : parsed;
        if (answer !== undefined && typeof ack === 'function') (ack as (a: unknown) => void)(answer);
      });
    }
  }

  private async answer(
    event: string,
    payload: unknown,
    socket: FlServerSocket,
  ): Promise<Ack<unknown> | undefined> {
    const custom = this.responders.get(event);
    if (custom) return custom(payload, socket);
    if (event === FlEvent.handshakeChallenge) return this.challenge();
    if (event === FlEvent.handshakeRespond) return this.accept(payload, socket);
    if (!this.sessions.has(socket)) return fail('unauthenticated', 'handshake first');
    if (event === FlEvent.weightsFetch)
      return this.serve(payload as { transferId: string; fromIndex: number }, socket);
    if (event === FlEvent.deltaChunk) return this.collect(payload as Parameters<ChunkReassembler['push']>[0]);
    if (event === FlEvent.roundSubmit || event === FlEvent.evaluateSubmit) {
      const { roundId } = payload as { roundId: string };
      return {
        ok: true,
        data: {
          roundId,
          messageKey: `${this.site.siteId}/${roundId}`,
          acceptedAt: Date.now(),
          alreadyAccepted: false,
        },
      };
    }
    return { ok: true, data: undefined };
  }

  private challenge(): Ack<unknown> {
    if (this.status === 'revoked') return fail('revoked', 'the site was revoked');
    return createChallenge({
      coordinator: this.identity,
      siteId: this.site.siteId,
      protocolVersion: PROTOCOL_VERSION,
      nonces: this.nonces,
      now: Date.now(),
    });
  }

  private accept(payload: unknown, socket: FlServerSocket): Ack<unknown> {
    if (this.status === 'pending') return fail('pending_approval', 'the operator has not approved this site');
    if (this.status === 'suspended') return fail('suspended', 'the operator suspended this site');
    const verdict = verifyChallengeResponse({
      response: payload as Parameters<typeof verifyChallengeResponse>[0]['response'],
      siteSigningKey: fromBase64(this.site.signingKey, 32, 'signingKey'),
      coordinatorKey: this.identity.signingPublicKey,
      protocolVersion: PROTOCOL_VERSION,
      nonces: this.nonces,
      now: Date.now(),
    });
    if (!verdict.ok) return verdict;
    this.sessions.add(socket);
    return { ok: true, data: { siteId: this.site.siteId, sync: this.sync() } };
  }

  private serve(req: { transferId: string; fromIndex: number }, socket: FlServerSocket): Ack<unknown> {
    const transfer = this.transfers.get(req.transferId);
    if (!transfer) return fail('not_found', `no transfer ${req.transferId}`);
    // Stream after acknowledging, one acknowledged chunk at a time, as a coordinator would.
    setImmediate(() => void this.stream({ socket, transfer, fromIndex: req.fromIndex }));
    return { ok: true, data: transfer.ref };
  }

  /** Send chunks from `fromIndex` (at most `count`), each awaiting its ack; then optionally cut the connection. */
  async stream(o: {
    socket: FlServerSocket;
    transfer: ChunkedTransfer;
    fromIndex: number;
    count?: number;
    thenDisconnect?: boolean;
  }): Promise<void> {
    let sent = 0;
    for (const chunk of o.transfer.chunks(o.fromIndex)) {
      if (!o.socket.connected || sent === o.count) break;
      const emitter = o.socket.timeout(10_000) as unknown as {
        emitWithAck(e: string, p: unknown): Promise<unknown>;
      };
      await emitter.emitWithAck(FlEvent.weightsChunk, chunk).catch(() => undefined);
      sent++;
    }
    if (o.thenDisconnect) o.socket.disconnect(true);
  }

  private collect(chunk: Parameters<ChunkReassembler['push']>[0]): Ack<unknown> {
    let reassembler = this.deltas.get(chunk.transferId);
    if (!reassembler) {
      reassembler = new ChunkReassembler();
      this.deltas.set(chunk.transferId, reassembler);
    }
    return reassembler.push(chunk);
  }
}
