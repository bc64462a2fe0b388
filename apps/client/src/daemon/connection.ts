import type { Identity } from '@fedfuse/crypto';
import type { Ack, ErrorCode, SiteSync, flClientEventSchemas } from '@fedfuse/protocol';
import { FlEvent, Namespace, ProtocolError, flServerEventSchemas, parseOrError } from '@fedfuse/protocol';
import { io } from 'socket.io-client';
import type { z } from 'zod';

import type { Logger } from '../log/logger.ts';
import { Backoff, sleep } from './backoff.ts';
import { refusal, signChallenge, type HandshakeRefusal } from './handshake.ts';
import { request, type AckData, type ClientEvent, type FlSocket } from './request.ts';

/** Timing of the connection; tests shrink these. */
export interface ConnectionTiming {
  reconnectDelayMs: number;
  reconnectDelayMaxMs: number;
  handshakeBackoffMs: number;
  handshakeBackoffMaxMs: number;
  ackTimeoutMs: number;
}

/** Everything a Connection needs. */
export interface ConnectionOptions {
  url: string;
  site: Identity;
  siteId: string;
  pinnedSigningKey: Uint8Array;
  timing: ConnectionTiming;
  log: Logger;
  /** Runs after every successful handshake (first connect and each reconnect), with the coordinator's sync. */
  onAuthenticated: (sync: SiteSync) => Promise<void>;
  /** The coordinator refused the site for good (revoked, unknown, wrong coordinator...). */
  onFatal: (code: ErrorCode, message: string) => void;
}

/**
 * The socket to the coordinator and its session: signs a fresh challenge into the socket's auth on every
 * (re)connect attempt, counts the session as open once the coordinator's sync arrives, waits out pending
 * approval or suspension with a bounded backoff, and tells callers when requests can be sent.
 */
export class Connection {
  readonly socket: FlSocket;
  private authenticated = false;
  private generation = 0;
  private readonly closed = new AbortController();
  private readonly backoff: Backoff;
  private readyWaiters: (() => void)[] = [];
  private readonly disconnectListeners = new Set<() => void>();

  constructor(private readonly options: ConnectionOptions) {
    const { timing } = options;
    this.backoff = new Backoff({ initialMs: timing.handshakeBackoffMs, maxMs: timing.handshakeBackoffMaxMs });
    this.socket = io(`${options.url.replace(/\/+$/, '')}${Namespace.fl}`, {
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: timing.reconnectDelayMs,
      reconnectionDelayMax: timing.reconnectDelayMaxMs,
      autoConnect: false,
      // socket.io asks again on every connect and reconnect attempt: each gets a fresh challenge.
      auth: (cb) => void this.authenticate(cb),
    });
    this.socket.on('connect', () => this.awaitSync());
    this.socket.on(FlEvent.statusSynced, (raw: unknown) => void this.synced(raw));
    this.socket.on('disconnect', (reason) => this.lost(reason));
    this.socket.on('connect_error', (err: Error & { data?: unknown }) => {
      // The coordinator's middleware refused the signed response: its code is in `data`.
      const refused = ProtocolError.safeParse(err.data);
      if (refused.success) return void this.settle(refusal(refused.data.code, refused.data.message));
      options.log.warn('cannot reach the coordinator; retrying', { url: options.url, error: err.message });
      // socket.io retries network failures itself, but not a connection the server refused outright.
      if (!this.socket.active) void this.reconnectLater();
    });
  }

  /** Connect (each attempt signs a fresh challenge first). */
  start(): void {
    this.options.log.info('connecting to the coordinator', { url: this.options.url });
    this.socket.connect();
  }

  /** True while the socket holds an authenticated session. */
  get ready(): boolean {
    return this.authenticated && this.socket.connected;
  }

  /** Resolves once the socket holds an authenticated session; false if `signal` aborts or the connection closes. */
  async whenReady(signal?: AbortSignal): Promise<boolean> {
    if (this.ready) return true;
    if (this.closed.signal.aborted || signal?.aborted) return false;
    return new Promise<boolean>((resolve) => {
      const done = (value: boolean): void => {
        signal?.removeEventListener('abort', onAbort);
        this.closed.signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const onAbort = (): void => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== onReady);
        done(false);
      };
      const onReady = (): void => done(true);
      this.readyWaiters.push(onReady);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.closed.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Subscribe to connection losses; returns the unsubscribe function. */
  onLost(listener: () => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  /** Send a request with the configured ack timeout (see request()). */
  request<E extends ClientEvent>(
    event: E,
    payload: z.input<(typeof flClientEventSchemas)[E]['payload']>,
  ): Promise<Ack<AckData<E>>> {
    return request(this.socket, { event, payload, timeoutMs: this.options.timing.ackTimeoutMs });
  }

  /** Close the socket for good. */
  close(): void {
    this.closed.abort();
    this.authenticated = false;
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }

  private lost(reason: string): void {
    this.generation++;
    const wasReady = this.authenticated;
    this.authenticated = false;
    if (this.closed.signal.aborted) return;
    if (wasReady) this.options.log.warn('disconnected from the coordinator', { reason });
    for (const listener of this.disconnectListeners) listener();
    // socket.io reconnects by itself after network failures, but not after the server closed the socket.
    if (reason === 'io server disconnect') void this.reconnectLater();
  }

  /** socket.io's auth callback: the signed response, or no connection at all if there is none to give. */
  private async authenticate(cb: (auth: object) => void): Promise<void> {
    const generation = ++this.generation;
    const { options } = this;
    const outcome = await signChallenge({
      url: options.url,
      site: options.site,
      siteId: options.siteId,
      pinnedSigningKey: options.pinnedSigningKey,
      timeoutMs: options.timing.ackTimeoutMs,
    });
    // A later attempt (or close) superseded this one; its transport is gone.
    if (generation !== this.generation || this.closed.signal.aborted) return;
    if (outcome.kind === 'signed') return cb(outcome.response);
    // Without a response there is nothing to connect with: abandon the attempt, then wait or stop.
    this.socket.disconnect();
    await this.settle(outcome);
  }

  /** Connected: the coordinator's sync must follow, or the session is not usable. */
  private awaitSync(): void {
    const generation = this.generation;
    setTimeout(() => {
      if (generation !== this.generation || this.authenticated || this.closed.signal.aborted) return;
      this.options.log.warn('connected, but the coordinator sent no status:synced; reconnecting');
      void this.reconnectLater({ disconnect: true });
    }, this.options.timing.ackTimeoutMs).unref();
  }

  /** The first sync after connecting opens the session; later ones only update what the site knows. */
  private async synced(raw: unknown): Promise<void> {
    const { log } = this.options;
    const parsed = parseOrError(flServerEventSchemas[FlEvent.statusSynced].payload, raw);
    if (!parsed.ok) return log.warn('ignored a malformed status:synced', { reason: parsed.error.message });
    const sync = parsed.data;
    const summary = {
      siteStatus: sync.siteStatus,
      run: sync.run?.name ?? null,
      runState: sync.run?.state ?? null,
      round: sync.round?.roundNumber ?? null,
      stage: sync.round?.stage ?? null,
    };
    if (this.authenticated) return log.info('status synced', summary);
    if (sync.siteId !== this.options.siteId) {
      const message = `the coordinator synced site ${sync.siteId}, not ${this.options.siteId}`;
      return this.settle({ kind: 'retry', code: 'unauthenticated', message });
    }
    this.backoff.reset();
    this.authenticated = true;
    log.info('handshake accepted', summary);
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    waiters.forEach((w) => w());
    await this.options
      .onAuthenticated(sync)
      .catch((err: unknown) => log.error('after-handshake work failed', { err }));
  }

  private async settle(outcome: HandshakeRefusal): Promise<void> {
    const { log } = this.options;
    switch (outcome.kind) {
      case 'waiting':
        log.info('waiting for the operator', { code: outcome.code, reason: outcome.message });
        return this.reconnectLater({ disconnect: true });
      case 'retry':
        log.warn('handshake failed; retrying', { code: outcome.code, reason: outcome.message });
        return this.reconnectLater({ disconnect: true });
      case 'fatal':
        log.error('the coordinator refused this site', { code: outcome.code, reason: outcome.message });
        this.options.onFatal(outcome.code, outcome.message);
    }
  }

  /** Disconnect (optionally), wait a growing delay, connect again: the whole handshake is redone. */
  private async reconnectLater(options: { disconnect?: boolean } = {}): Promise<void> {
    if (options.disconnect) this.socket.disconnect();
    const ms = this.backoff.next();
    this.options.log.debug('reconnecting later', { inMs: ms });
    if (await sleep(ms, this.closed.signal)) this.socket.connect();
  }
}
