import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { from, mergeMap, of } from 'rxjs';
import type { Socket } from 'socket.io';
import type { Ack, ErrorCode } from '@fedfuse/protocol';
import { FlEvent, MAX_CHUNK_BYTES, fail } from '@fedfuse/protocol';

/** Where a refused chunk is recorded: the same log, audit entry and count as a refused submission. */
export type RefuseChunk = (refusal: {
  siteId: string;
  roundId: null;
  code: ErrorCode;
  message: string;
}) => Promise<Ack<never>>;

/** A chunk carrying more bytes than any chunk may: too large, whatever its header claims. */
function oversizedChunk(raw: unknown): Ack<never> | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const data = (raw as { data?: unknown }).data;
  if (!(data instanceof Uint8Array) || data.byteLength <= MAX_CHUNK_BYTES) return undefined;
  return fail(
    'payload_too_large',
    `a delta chunk of ${data.byteLength} bytes exceeds the ${MAX_CHUNK_BYTES}-byte chunk limit`,
  );
}

function siteOf(socket: Socket): string | undefined {
  return (socket.data as { session?: { siteId?: string } } | undefined)?.session?.siteId;
}

/**
 * Every refused delta chunk from an authenticated site is logged, audited and counted like a refused
 * submission (the chunk handler itself only answers), and an oversized chunk is refused as such before
 * the schema would call it merely malformed. Nothing of a refused chunk is buffered.
 */
export class ChunkRefusalsInterceptor implements NestInterceptor {
  constructor(private readonly refuse: RefuseChunk) {}

  intercept(context: ExecutionContext, next: CallHandler<unknown>): Observable<unknown> {
    if (context.getType() !== 'ws') return next.handle();
    const ws = context.switchToWs();
    if (ws.getPattern() !== FlEvent.deltaChunk) return next.handle();
    const siteId = siteOf(ws.getClient<Socket>());
    if (!siteId) return next.handle();
    const answer = oversizedChunk(ws.getData<unknown>());
    return (answer ? of(answer) : next.handle()).pipe(
      mergeMap((ack) => {
        if (!isRefusal(ack)) return of(ack);
        return from(this.refuse({ siteId, roundId: null, ...ack.error }));
      }),
    );
  }
}

function isRefusal(ack: unknown): ack is { ok: false; error: { code: ErrorCode; message: string } } {
  return typeof ack === 'object' && ack !== null && (ack as { ok?: unknown }).ok === false;
}
