import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { OpsServerToClientEvents } from '@fedfuse/protocol';
import { Namespace, opsServerEventSchemas } from '@fedfuse/protocol';

type Broadcast = keyof OpsServerToClientEvents;
type PayloadOf<TEvent extends Broadcast> = Parameters<OpsServerToClientEvents[TEvent]>[0];

/**
 * A dashboard's view of /ops for coordinator tests: a real socket.io client signed in with the operator
 * token that keeps every broadcast, each checked against its protocol schema as the dashboard does.
 */
export class OpsListener {
  readonly received: { event: Broadcast; payload: unknown }[] = [];
  /** Broadcasts that broke their schema; a test expects none. */
  readonly invalid: string[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.onAny((event: string, payload: unknown) => {
      if (!(event in opsServerEventSchemas)) return;
      const name = event as Broadcast;
      const parsed = opsServerEventSchemas[name].payload.safeParse(payload);
      if (!parsed.success) return void this.invalid.push(`${event}: ${parsed.error.message}`);
      this.received.push({ event: name, payload: parsed.data });
      this.waiters.forEach((wake) => wake());
    });
  }

  static async connect(url: string, token: string): Promise<OpsListener> {
    const socket = io(`${url}${Namespace.ops}`, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    const listener = new OpsListener(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return listener;
  }

  /** Every payload of `event` received so far, oldest first. */
  all<TEvent extends Broadcast>(event: TEvent): PayloadOf<TEvent>[] {
    return this.received.filter((r) => r.event === event).map((r) => r.payload as PayloadOf<TEvent>);
  }

  /** The first `event` (received or still to come) whose payload satisfies `match`. */
  next<TEvent extends Broadcast>(
    event: TEvent,
    match: (payload: PayloadOf<TEvent>) => boolean,
    timeoutMs = 15_000,
  ): Promise<PayloadOf<TEvent>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.all(event).find(match);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.socket.disconnect();
  }
}
