import type { DefaultEventsMap, Namespace, Socket } from 'socket.io';
import type {
  FlClientToServerEvents,
  FlServerToClientEvents,
  FlSocketData,
  OpsClientToServerEvents,
  OpsServerToClientEvents,
  OpsSocketData,
} from '@fedfuse/protocol';

/** `socket.data` on `/fl`: the session the middleware verified, and the client address it came from. */
export interface FlConnectionData extends FlSocketData {
  address?: string;
}

/** `/fl` as the coordinator sees it: the protocol's event maps, reversed from the site's side. */
export type FlNamespace = Namespace<
  FlClientToServerEvents,
  FlServerToClientEvents,
  DefaultEventsMap,
  FlConnectionData
>;
export type FlSocket = Socket<
  FlClientToServerEvents,
  FlServerToClientEvents,
  DefaultEventsMap,
  FlConnectionData
>;

/** `/ops` as the coordinator sees it. */
export type OpsNamespace = Namespace<
  OpsClientToServerEvents,
  OpsServerToClientEvents,
  DefaultEventsMap,
  OpsSocketData
>;
export type OpsSocket = Socket<
  OpsClientToServerEvents,
  OpsServerToClientEvents,
  DefaultEventsMap,
  OpsSocketData
>;
