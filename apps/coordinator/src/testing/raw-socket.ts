import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';

/** A socket.io client as a stranger opens one; `closed` turns true when its transport closes. */
export interface RawSocket {
  socket: Socket;
  connected: boolean;
  refused: boolean;
  closed: boolean;
}

/** Opens `namespace` with `auth`, websocket only, no reconnection, and tracks what happens to it. */
export function rawSocket(url: string, namespace: string, auth: object = {}): RawSocket {
  const socket: Socket = io(`${url}${namespace}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth,
  });
  const state: RawSocket = { socket, connected: false, refused: false, closed: false };
  socket.on('connect', () => (state.connected = true));
  socket.on('connect_error', () => (state.refused = true));
  socket.io.on('close', () => (state.closed = true));
  return state;
}
