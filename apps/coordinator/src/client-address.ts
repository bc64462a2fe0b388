import type { IncomingMessage } from 'node:http';

/**
 * The address a request or socket handshake came from, as the key of per-address limits and audit entries.
 * Today the TCP peer; forwarding headers from trusted proxies belong here too (one place to change).
 */
export function clientAddress(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}
