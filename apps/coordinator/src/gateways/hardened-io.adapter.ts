import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Namespace, Socket } from 'socket.io';
import { MAX_MESSAGE_BYTES } from '@fedfuse/protocol';
import { guardTransport } from './transport-guard.ts';

type IoOptions = Parameters<IoAdapter['createIOServer']>[1];

/** A message over the transport limit, refused by closing the connection. */
export interface MessageTooLarge {
  siteId: string;
  reason: string;
}

/** What the coordinator wants to hear from the transport. */
export interface HardenedIoOptions {
  /** Told (after the log line) when a known site's message was over the limit, e.g. to audit it. */
  onMessageTooLarge?: (refusal: MessageTooLarge) => void;
  /** The client behind a connection (trusted proxies applied); the peer address when absent. */
  clientAddress?: (peer: string | undefined, forwardedFor: string | string[] | undefined) => string;
  /** Window in which identical transport refusals fold into one log line. */
  refusalFoldMs?: number;
}

/** ws's error code when a frame exceeds `maxPayload`; it then closes the connection with 1009. */
const WS_MESSAGE_TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/** engine.io keeps the upgraded ws socket on the request (EngineRequest.websocket). */
type UpgradedRequest = IncomingMessage & {
  websocket?: { on(event: 'error', listener: (error: Error & { code?: string }) => void): unknown };
};

/**
 * socket.io as the federation needs it: websocket only, no per-message compression (CRIME-style
 * leaks, and weights do not compress), 1 MiB messages (tensors travel in chunks), and no
 * connection-state recovery, so every reconnect is a new socket that must pass the signed handshake.
 * Only /fl and /ops are served (see guardTransport), and unparseable packets are logged.
 * A message over the limit closes the connection; the adapter logs why and tells `onMessageTooLarge`.
 */
export class HardenedIoAdapter extends IoAdapter {
  private readonly log = new Logger('transport');

  constructor(
    app: INestApplicationContext,
    private readonly options: HardenedIoOptions = {},
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: IoOptions): ReturnType<IoAdapter['createIOServer']> {
    const server = super.createIOServer(port, {
      ...options,
      transports: ['websocket'],
      perMessageDeflate: false,
      httpCompression: false,
      maxHttpBufferSize: MAX_MESSAGE_BYTES,
      serveClient: false,
      pingInterval: 10_000,
      pingTimeout: 20_000,
      // A transport that joins no namespace is closed after this (socket.io's default is 45 s).
      connectTimeout: 10_000,
    } as IoOptions);
    guardTransport(server, {
      clientAddress: this.options.clientAddress ?? ((peer) => peer ?? ''),
      log: (fields) => this.log.warn(fields),
      foldMs: this.options.refusalFoldMs ?? 60_000,
    });
    return server;
  }

  override bindClientConnect(server: Namespace, callback: (...args: unknown[]) => unknown): void {
    server.on('connection', (socket: Socket) => this.watchMessageSize(socket));
    super.bindClientConnect(server, callback);
  }

  /** ws drops an oversized message without telling socket.io why; its error event does say. */
  private watchMessageSize(socket: Socket): void {
    const ws = (socket.conn.request as UpgradedRequest).websocket;
    ws?.on('error', (error) => {
      if (error.code !== WS_MESSAGE_TOO_LARGE) return;
      const siteId = (socket.data as { session?: { siteId?: string } } | undefined)?.session?.siteId;
      const reason = `a message over the ${MAX_MESSAGE_BYTES}-byte transport limit (maxHttpBufferSize); connection closed with 1009`;
      const who = siteId ? `site ${siteId}` : `a socket from ${socket.handshake.address}`;
      this.log.warn(`${who} on ${socket.nsp.name}: refused ${reason}`);
      if (siteId) this.options.onMessageTooLarge?.({ siteId, reason });
    });
  }
}
