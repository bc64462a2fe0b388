import type { IncomingHttpHeaders } from 'node:http';
import { RefusalFolder } from '../admission/refusal-folder.ts';

/** The namespaces a socket may join; every other one (the default `/` included) is refused. */
const OPEN_NAMESPACES: ReadonlySet<string> = new Set(['/fl', '/ops']);

interface TransportRefusal {
  event: 'unparseable socket.io packet' | 'socket refused: namespace not served';
  address: string;
  detail: string;
}

/** What the guard uses of an engine.io connection (socket.io's `conn`). */
interface EngineSocket {
  remoteAddress: string;
  request: { headers: IncomingHttpHeaders };
  prependListener(event: 'data', listener: (data: unknown) => void): unknown;
  close(): unknown;
}

/** What the guard uses of the socket.io server (structural: Nest and the app may load different copies). */
export interface GuardedServer {
  engine: { on(event: 'connection', listener: (conn: EngineSocket) => void): unknown };
  of(name: string): { use(middleware: (socket: unknown, next: (error?: Error) => void) => void): unknown };
}
type Decoder = { add(chunk: unknown): void };
type DecoderClass = new (...args: unknown[]) => Decoder;
type ParserModule = { Decoder: DecoderClass } & Record<string, unknown>;

/** The namespace a socket.io CONNECT packet (`0`, `0{auth}`, `0/fl,{auth}`) asks for; undefined for other packets. */
function connectNamespace(data: unknown): string | undefined {
  if (typeof data !== 'string' || data[0] !== '0') return undefined;
  const rest = data.slice(1);
  if (!rest.startsWith('/')) return '/';
  const end = rest.search(/[,?]/);
  return end === -1 ? rest : rest.slice(0, end);
}

/**
 * Guards the socket.io server below the namespaces, where the gateways cannot see:
 * - a CONNECT to a namespace other than /fl and /ops closes the whole transport at once (socket.io would
 *   answer "Invalid namespace" and keep the connection open until connectTimeout; `/` would accept);
 * - a packet the socket.io parser throws on is logged with the client's address (socket.io closes the
 *   connection silently).
 * Both are logged as one structured line, folded per (event, address) per window.
 */
export function guardTransport(
  server: GuardedServer,
  options: {
    clientAddress: (peer: string | undefined, forwardedFor: string | string[] | undefined) => string;
    log: (fields: Record<string, unknown>) => void;
    foldMs: number;
  },
): void {
  const folder = new RefusalFolder<TransportRefusal>({
    windowMs: options.foldMs,
    emit: ({ sample, count, repeats }) => options.log({ ...sample, count, folded: repeats }),
  });
  const note = (refusal: TransportRefusal) =>
    void folder.note(`${refusal.event}|${refusal.address}`, refusal);
  const addressOf = (conn: EngineSocket) =>
    options.clientAddress(conn.remoteAddress, conn.request.headers['x-forwarded-for']);

  // socket.io decodes each engine message synchronously inside the conn's 'data' event, right after our
  // listener below (prepended) has said whose message it is: the decoder can then name the address.
  let current: EngineSocket | undefined;
  const internals = server as unknown as { _parser: ParserModule };
  const Base = internals._parser.Decoder;
  class ReportingDecoder extends Base {
    override add(chunk: unknown): void {
      try {
        super.add(chunk);
      } catch (error) {
        const address = current ? addressOf(current) : 'unknown';
        note({ event: 'unparseable socket.io packet', address, detail: (error as Error).message });
        throw error;
      }
    }
  }
  internals._parser = { ...internals._parser, Decoder: ReportingDecoder };

  server.engine.on('connection', (conn: EngineSocket) => {
    conn.prependListener('data', (data: unknown) => {
      current = conn;
      const namespace = connectNamespace(data);
      if (namespace === undefined || OPEN_NAMESPACES.has(namespace)) return;
      note({ event: 'socket refused: namespace not served', address: addressOf(conn), detail: namespace });
      conn.close();
    });
  });
  // Belt and braces: should a CONNECT to `/` slip past the transport check, its middleware refuses it.
  server.of('/').use((_socket, next) => next(new Error('namespace / is not served; sites use /fl')));
}
