import type { Ack, FlClientToServerEvents, FlRouteName, FlServerToClientEvents } from '@fedfuse/protocol';
import {
  EmptyAck,
  ackSchema,
  fail,
  flClientEventSchemas,
  flRouteSchemas,
  formatIssues,
} from '@fedfuse/protocol';
import type { Socket } from 'socket.io-client';
import type { z } from 'zod';

/** The site's socket on `/fl`: it receives the coordinator's events and emits its own. */
export type FlSocket = Socket<FlServerToClientEvents, FlClientToServerEvents>;

type Schemas = typeof flClientEventSchemas;
/** Events a site sends with an acknowledgement. */
export type ClientEvent = keyof Schemas;
/** Data of a successful acknowledgement of `E`. */
export type AckData<E extends ClientEvent> = Schemas[E]['ack'] extends z.ZodType
  ? z.output<Schemas[E]['ack']>
  : undefined;

/** The request never got an answer: not connected, disconnected while waiting, or timed out. */
export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * Emit `event` and wait for its acknowledgement (`socket.timeout(ms).emitWithAck`), then validate the ack
 * with its schema. A coordinator answer that fails validation becomes an `invalid_payload` Ack; no answer
 * at all throws TransportError (and never waits out the timeout once the socket has dropped).
 */
export async function request<E extends ClientEvent>(
  socket: FlSocket,
  options: { event: E; payload: z.input<Schemas[E]['payload']>; timeoutMs: number },
): Promise<Ack<AckData<E>>> {
  const { event, timeoutMs } = options;
  // Emits on a disconnected socket would be buffered and replayed before the next handshake: refuse them.
  if (!socket.connected) throw new TransportError(`not connected to the coordinator (${event})`);
  // The typed emit needs a literal event name; the schemas below are what make this call safe.
  const emitter = socket.timeout(timeoutMs) as unknown as {
    emitWithAck(event: string, payload: unknown): Promise<unknown>;
  };
  const raw = await untilDisconnect(socket, { event, answer: emitter.emitWithAck(event, options.payload) });
  const ackData = flClientEventSchemas[event].ack;
  const schema = ackData === null ? EmptyAck : ackSchema(ackData);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    return fail(
      'invalid_payload',
      `the coordinator's answer to ${event} is malformed: ${formatIssues(parsed.error.issues)}`,
    );
  }
  return parsed.data as Ack<AckData<E>>;
}

function untilDisconnect(socket: FlSocket, o: { event: string; answer: Promise<unknown> }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onDisconnect = (): void =>
      reject(new TransportError(`disconnected while waiting for the answer to ${o.event}`));
    socket.once('disconnect', onDisconnect);
    o.answer.then(
      (value) => {
        socket.off('disconnect', onDisconnect);
        resolve(value);
      },
      (err: unknown) => {
        socket.off('disconnect', onDisconnect);
        const why = err instanceof Error ? err.message : String(err);
        reject(new TransportError(`no answer to ${o.event}: ${why}`));
      },
    );
  });
}

type Routes = typeof flRouteSchemas;
/** Data of a successful answer to POST `R`. */
export type RouteData<R extends FlRouteName> = z.output<Routes[R]['ack']>;

/**
 * POST `body` to one of the coordinator's site routes and validate the Ack it answers (a refusal comes as
 * an Ack too, under a 4xx status). An answer that is no Ack becomes an `invalid_payload` Ack; no answer,
 * or no JSON, throws TransportError.
 */
export async function post<R extends FlRouteName>(options: {
  url: string;
  route: R;
  body: z.input<Routes[R]['payload']>;
  timeoutMs: number;
}): Promise<Ack<RouteData<R>>> {
  const { route } = options;
  let raw: unknown;
  let status: number;
  try {
    const response = await fetch(`${options.url.replace(/\/+$/, '')}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = response.status;
    raw = await response.json();
  } catch (err) {
    throw new TransportError(`no answer to POST ${route}: ${reason(err)}`);
  }
  const parsed = ackSchema(flRouteSchemas[route].ack).safeParse(raw);
  if (!parsed.success) {
    return fail(
      'invalid_payload',
      `the coordinator's answer to POST ${route} (HTTP ${status}) is malformed: ${formatIssues(parsed.error.issues)}`,
    );
  }
  return parsed.data as Ack<RouteData<R>>;
}

/** fetch says only "fetch failed"; the cause says why (ECONNREFUSED, a timeout...). */
function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause ? `${err.message}: ${cause}` : err.message;
}
