import type { TransferChunk } from '@fedfuse/protocol';
import { FlEvent, sendWindowed } from '@fedfuse/protocol';
import type { FlSocket } from './socket-types.ts';

/** How long one chunk may wait for its ack, per chunk of the window queued ahead of it. */
const CHUNK_ACK_TIMEOUT_MS = 30_000;

/** Arguments of WeightsStreams.start. */
export interface WeightsStreamArgs {
  siteId: string;
  socket: FlSocket;
  chunks: Iterable<TransferChunk>;
  /** Most chunks sent and not yet acknowledged by the site. */
  window: number;
  /** Called for every acknowledged chunk (the site is alive). */
  onDelivered: () => void;
}

/**
 * Global-model downloads in progress, one per site: chunks go out with at most `window` unacknowledged,
 * so a slow site costs the coordinator `window` chunks of memory, not the model. A new fetch by the same
 * site replaces its stream (the site resumes from its first missing chunk); a disconnect ends it. The
 * replaced stream's chunks already on the wire are no longer counted: at most one window more, once.
 */
export class WeightsStreams {
  private readonly active = new Map<string, AbortController>();

  /** Streams `chunks` to the site; resolves when all are acknowledged (true) or the stream ended early. */
  async start(args: WeightsStreamArgs): Promise<boolean> {
    this.active.get(args.siteId)?.abort();
    const stop = new AbortController();
    this.active.set(args.siteId, stop);
    const onDisconnect = (): void => stop.abort();
    args.socket.once('disconnect', onDisconnect);
    // A replaced or disconnected stream lets go of its chunks at once instead of at the ack timeout.
    const stopped = new Promise<false>((resolve) =>
      stop.signal.addEventListener('abort', () => resolve(false), { once: true }),
    );
    try {
      return await sendWindowed(args.chunks, {
        window: args.window,
        signal: stop.signal,
        send: (chunk) => this.sendOne(args, chunk, stopped),
      });
    } finally {
      args.socket.off('disconnect', onDisconnect);
      if (this.active.get(args.siteId) === stop) this.active.delete(args.siteId);
    }
  }

  private async sendOne(
    args: WeightsStreamArgs,
    chunk: TransferChunk,
    stopped: Promise<false>,
  ): Promise<boolean> {
    if (!args.socket.connected) return false;
    const acked = args.socket
      .timeout(CHUNK_ACK_TIMEOUT_MS * args.window)
      .emitWithAck(FlEvent.weightsChunk, chunk)
      // A duplicate was delivered before (e.g. by a stream this one replaced).
      .then((receipt) => receipt?.ok === true || receipt?.error.code === 'duplicate')
      .catch(() => false);
    const delivered = await Promise.race([acked, stopped]);
    if (delivered) args.onDelivered();
    return delivered;
  }
}
