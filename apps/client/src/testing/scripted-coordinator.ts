import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Identity } from '@fedfuse/crypto';
import { NonceCache, createChallenge, fromBase64, verifyChallengeResponse } from '@fedfuse/crypto';
import type {
  Ack,
  ChunkedTransfer,
  FlClientToServerEvents,
  FlRouteName,
  FlServerToClientEvents,
  SiteStatus,
  SiteSync,
} from '@fedfuse/protocol';
import {
  ChallengeResponse,
  ChunkReassembler,
  FlEvent,
  FlRoute,
  MAX_MESSAGE_BYTES,
  Namespace,
  PROTOCOL_VERSION,
  fail,
  flClientEventSchemas,
  flRouteSchemas,
  parseOrError,
} from '@fedfuse/protocol';
import { Server, type Socket } from 'socket.io';

type FlServerSocket = Socket<FlClientToServerEvents, FlServerToClientEvents>;

/** What `received` calls the signed response a socket presents as its auth (once per connection attempt). */
export const AUTH = 'auth';

/** One thing a site sent, as the scripted coordinator recorded it. */
export interface Received {
  event: string;
  payload: unknown;
  /** The socket it came on; none for an HTTP request. */
  socket?: FlServerSocket;
}

type Answer = Ack<unknown> | undefined | Promise<Ack<unknown> | undefined>;
/** How the coordinator answers a request; return undefined to leave the site without an answer. */
export type Responder = (payload: unknown, socket: FlServerSocket) => Answer;

const isRoute = (name: string): name is FlRouteName => Object.values<string>(FlRoute).includes(name);

/**
 * A coordinator played by a test: a real HTTP and socket.io server on 127.0.0.1 (port 0) handing out
 * challenges and checking the signed response in each socket's auth with @fedfuse/crypto, serving weights
 * transfers and collecting delta chunks. Tests override any answer with `respond(event or route or AUTH,
 * fn)` and await what the site sends with `next(...)`; nothing sleeps.
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
  private readonly routeResponders = new Map<string, (payload: unknown) => Answer>();
  private readonly transfers = new Map<string, ChunkedTransfer>();
  private readonly nonces = new NonceCache();

  private readonly io: Server;

  private constructor(
    http: HttpServer,
    options: {
      url: string;
      identity: Identity;
      site: { siteId: string; signingKey: string; boxKey: string };
    },
  ) {
    this.url = options.url;
    this.identity = options.identity;
    this.site = options.site;
    // Listening before socket.io attaches: it passes every request outside its own path on to this one.
    http.on('request', (req: IncomingMessage, res: ServerResponse) => void this.serveHttp(req, res));
    this.io = new Server(http, { maxHttpBufferSize: MAX_MESSAGE_BYTES, transports: ['websocket'] });
    const fl = this.io.of(Namespace.fl);
    fl.use((socket: FlServerSocket, next) => void this.admit(socket).then(next));
    fl.on('connection', (socket: FlServerSocket) => {
      this.attach(socket);
      socket.emit(FlEvent.statusSynced, this.sync());
    });
  }

  /** Listen on 127.0.0.1 port 0 for one enrolled site. */
  static async start(options: {
    identity: Identity;
    site: { siteId: string; signingKey: string; boxKey: string };
  }): Promise<ScriptedCoordinator> {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    return new ScriptedCoordinator(http, { ...options, url: `http://127.0.0.1:${port}` });
  }

  /** Serve `transfer` to `weights:fetch`. */
  offer(transfer: ChunkedTransfer): void {
    this.transfers.set(transfer.ref.transferId, transfer);
  }

  /** Answer `event` (or an HTTP route, or AUTH) with `responder` from now on. */
  respond(event: FlRouteName, responder: (payload: unknown) => Answer): void;
  respond(event: string, responder: Responder): void;
  respond(event: string, responder: Responder): void {
    if (isRoute(event)) this.routeResponders.set(event, responder as (payload: unknown) => Answer);
    else this.responders.set(event, responder);
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

  /** The SiteSync sent to every socket once it connects. */
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

  private record(event: string, payload: unknown, socket?: FlServerSocket): void {
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

  /** POST routes: the body is validated, recorded and answered with an Ack (refusals under a 4xx). */
  private async serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = req.url ?? '';
    if (req.method !== 'POST' || !isRoute(route)) return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      raw = undefined;
    }
    const parsed = parseOrError(flRouteSchemas[route].payload, raw);
    this.record(route, parsed.ok ? parsed.data : raw);
    const custom = this.routeResponders.get(route);
    const answer = !parsed.ok ? parsed : custom ? await custom(parsed.data) : this.answerRoute(route);
    if (answer === undefined) return void res.destroy();
    res.writeHead(answer.ok ? 200 : 403, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  private answerRoute(route: FlRouteName): Ack<unknown> {
    if (route === FlRoute.enroll) return fail('not_found', 'this test scripts no enrollment');
    return this.standing() ?? this.challenge();
  }

  /** The refusal the site's status calls for, if any. */
  private standing(): Ack<never> | undefined {
    if (this.status === 'revoked') return fail('revoked', 'the site was revoked');
    if (this.status === 'pending') return fail('pending_approval', 'the operator has not approved this site');
    if (this.status === 'suspended') return fail('suspended', 'the operator suspended this site');
    return undefined;
  }

  private challenge(): Ack<unknown> {
    return createChallenge({
      coordinator: this.identity,
      siteId: this.site.siteId,
      protocolVersion: PROTOCOL_VERSION,
      nonces: this.nonces,
      now: Date.now(),
    });
  }

  /** Namespace middleware: no socket connects without a valid signed response in its auth. */
  private async admit(socket: FlServerSocket): Promise<Error | undefined> {
    const auth: unknown = socket.handshake.auth;
    this.record(AUTH, auth, socket);
    const custom = this.responders.get(AUTH);
    const verdict = custom ? await custom(auth, socket) : this.verify(auth);
    if (!verdict || verdict.ok) return undefined;
    return Object.assign(new Error(verdict.error.message), { data: verdict.error });
  }

  private verify(auth: unknown): Ack<unknown> {
    const response = parseOrError(ChallengeResponse, auth);
    if (!response.ok)
      return fail('unauthenticated', `no signed challenge response: ${response.error.message}`);
    const refused = this.standing();
    if (refused) return refused;
    return verifyChallengeResponse({
      response: response.data,
      siteSigningKey: fromBase64(this.site.signingKey, 32, 'signingKey'),
      coordinatorKey: this.identity.signingPublicKey,
      protocolVersion: PROTOCOL_VERSION,
      nonces: this.nonces,
      now: Date.now(),
    });
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
