import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { z } from 'zod';
import type {
  Ack,
  AuditPage,
  AuditQuery,
  FederationSnapshot,
  OpsClientToServerEvents,
  OpsServerToClientEvents,
} from '@fedfuse/protocol';
import {
  Namespace,
  OpsEvent,
  ackSchema,
  formatIssues,
  opsClientEventSchemas,
  opsServerEventSchemas,
} from '@fedfuse/protocol';

type OpsSocket = Socket<OpsServerToClientEvents, OpsClientToServerEvents>;
type BroadcastName = keyof OpsServerToClientEvents;

/** One validated broadcast from the coordinator. */
export type LiveEvent = {
  [K in BroadcastName]: { type: K; payload: Parameters<OpsServerToClientEvents[K]>[0] };
}[BroadcastName];

/**
 * - `connecting`: first attempt; `live`: signed in and receiving; `reconnecting`: lost, retrying by itself;
 * - `refused`: the coordinator turned the connection down (wrong token, origin not allowed): no retry;
 * - `closed`: the dashboard hung up (signed out).
 */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'refused' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Why the connection is not live, in the coordinator's or the transport's words. */
  detail: string | null;
  /** Reconnection attempts since the connection was last live. */
  attempt: number;
  since: number;
}

export interface OpsConnectionOptions {
  /** Coordinator origin, '' for the page's own. */
  url: string;
  token: string;
  onEvent: (event: LiveEvent) => void;
  onState: (state: ConnectionState) => void;
  /** A broadcast that failed its schema: shown to the operator, never applied. */
  onInvalid: (event: string, message: string) => void;
}

const REQUEST_TIMEOUT_MS = 10_000;
const isBroadcast = (event: string): event is BroadcastName => event in opsServerEventSchemas;

/** The dashboard's socket on `/ops`: operator-token auth, validated broadcasts, reconnection by itself. */
export class OpsConnection {
  private readonly socket: OpsSocket;
  private state: ConnectionState = { status: 'connecting', detail: null, attempt: 0, since: Date.now() };

  constructor(private readonly options: OpsConnectionOptions) {
    this.socket = io(`${options.url}${Namespace.ops}`, {
      auth: { token: options.token },
      transports: ['websocket'],
      autoConnect: false,
      reconnection: true,
      reconnectionDelay: 250,
      reconnectionDelayMax: 5_000,
      randomizationFactor: 0.3,
    });
    this.socket.onAny((event: string, raw: unknown) => this.receive(event, raw));
    this.socket.on('connect', () => this.setState('live', null));
    this.socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return this.setState('closed', null);
      this.setState('reconnecting', `disconnected: ${reason}`);
      // The server hung up on purpose (e.g. a restart); socket.io only retries by itself after transport loss.
      if (reason === 'io server disconnect') this.socket.connect();
    });
    this.socket.on('connect_error', (error) => {
      // `active` stays true while the manager keeps retrying (coordinator down); false means the
      // namespace middleware refused us, and retrying with the same token would only be refused again.
      if (this.socket.active) this.setState('reconnecting', error.message);
      else this.setState('refused', error.message);
    });
    this.socket.io.on('reconnect_attempt', (attempt) => {
      this.state = { ...this.state, attempt };
      this.options.onState(this.state);
    });
  }

  start(): void {
    this.setState('connecting', null);
    this.socket.connect();
  }

  stop(): void {
    this.socket.disconnect();
  }

  get current(): ConnectionState {
    return this.state;
  }

  /** Asks for a fresh federation snapshot (after actions that change which run is current). */
  requestSnapshot(): Promise<FederationSnapshot> {
    return this.request(
      OpsEvent.federationSnapshot,
      {},
      opsClientEventSchemas[OpsEvent.federationSnapshot].ack,
    );
  }

  /** A page of the audit log, newest first. */
  listAudit(query: AuditQuery): Promise<AuditPage> {
    return this.request(OpsEvent.auditList, query, opsClientEventSchemas[OpsEvent.auditList].ack);
  }

  private async request<TData extends z.ZodType>(
    event: keyof OpsClientToServerEvents,
    payload: unknown,
    data: TData,
  ): Promise<z.output<TData>> {
    const raw: unknown = await (this.socket.timeout(REQUEST_TIMEOUT_MS) as unknown as Socket).emitWithAck(
      event,
      payload,
    );
    const parsed = ackSchema(data).safeParse(raw);
    if (!parsed.success) throw new Error(`${event}: unexpected answer: ${formatIssues(parsed.error.issues)}`);
    const ack = parsed.data as Ack<z.output<TData>>;
    if (!ack.ok) throw new Error(`${event}: ${ack.error.code}: ${ack.error.message}`);
    return ack.data;
  }

  private receive(event: string, raw: unknown): void {
    if (!isBroadcast(event)) return; // newer coordinators may add events; ignoring them is safe
    const parsed = opsServerEventSchemas[event].payload.safeParse(raw);
    if (!parsed.success) return this.options.onInvalid(event, formatIssues(parsed.error.issues));
    this.options.onEvent({ type: event, payload: parsed.data } as LiveEvent);
  }

  private setState(status: ConnectionStatus, detail: string | null): void {
    const attempt = status === 'live' ? 0 : this.state.attempt;
    this.state = { status, detail, attempt, since: Date.now() };
    this.options.onState(this.state);
  }
}
