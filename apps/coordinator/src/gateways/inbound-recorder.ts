import { appendFileSync } from 'node:fs';
import type { Socket } from 'socket.io';
import type { Clock } from '../services/clock.ts';

function encode(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  return value;
}

/**
 * Appends every event a site sends (name and payload, binary as base64) to a JSON-lines file.
 * Off unless FEDFUSE_RECORD_INBOUND names a file: the privacy test uses it to prove that nothing
 * from a site's data reaches the coordinator.
 */
export function recordInbound(socket: Socket, file: string, clock: Pick<Clock, 'now'>): void {
  socket.onAny((event: string, ...args: unknown[]) => {
    const payload = args.filter((a) => typeof a !== 'function');
    appendFileSync(
      file,
      `${JSON.stringify({ at: clock.now(), socket: socket.id, event, payload: encode(payload) })}\n`,
    );
  });
}
