import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** How long a shutdown lets requests in flight and websocket close handshakes finish. */
const SHUTDOWN_GRACE_MS = 2_000;

/**
 * Tracks every socket the server accepts, so a shutdown can end those still open after a grace
 * period. `server.close()` waits for all of them, and a socket that never sent a request (a browser's
 * preconnect) is neither idle nor active: it held the coordinator's shutdown for up to a minute.
 */
export function drainOnClose(
  server: Server,
  graceMs = SHUTDOWN_GRACE_MS,
): (close: () => Promise<void>) => Promise<void> {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return async (close) => {
    const force = setTimeout(() => open.forEach((socket) => socket.destroy()), graceMs);
    try {
      await close();
    } finally {
      clearTimeout(force);
    }
  };
}

/**
 * Node closes an idle keep-alive connection after 5 s. A client (undici: our e2e test, site daemons)
 * whose event loop was busy longer never ran its own, earlier idle timer and reuses the connection: its
 * request meets the closed socket ("other side closed"). A timeout well above the clients' idle time
 * and busy spells lets the client close first; the header timeout must exceed it, or it cuts a slow
 * next request on the connection instead (as behind load balancers).
 */
export function keepIdleConnections(server: Server, keepAliveTimeoutMs: number): void {
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.headersTimeout = keepAliveTimeoutMs + 1_000;
}
