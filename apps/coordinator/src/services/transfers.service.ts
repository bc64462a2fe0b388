import { Injectable } from '@nestjs/common';
import type { Ack, ChunkReceipt, TransferChunk, TransferRef } from '@fedfuse/protocol';
import { ChunkReassembler, fail, ok } from '@fedfuse/protocol';

interface Incoming {
  reassembler: ChunkReassembler;
  startedAt: number;
  bytes?: Uint8Array;
}

const MAX_OPEN_PER_SITE = 2;
const STALE_MS = 10 * 60_000;

/** Sealed deltas arriving in chunks, per site, until the submission that names them. */
@Injectable()
export class TransfersService {
  private readonly incoming = new Map<string, Incoming>();
  /** Upper bound on one delta's bytes (set from the active run's model size). */
  maxDeltaBytes = 64 * 1024 * 1024;

  async push(siteId: string, chunk: TransferChunk): Promise<Ack<ChunkReceipt>> {
    this.prune(Date.now());
    const key = `${siteId}/${chunk.transferId}`;
    let entry = this.incoming.get(key);
    if (!entry) {
      const open = [...this.incoming.keys()].filter((k) => k.startsWith(`${siteId}/`)).length;
      if (open >= MAX_OPEN_PER_SITE) return fail('rate_limited', `site already has ${open} transfers open`);
      if (chunk.totalBytes > this.maxDeltaBytes) {
        return fail(
          'payload_too_large',
          `a delta of ${chunk.totalBytes} bytes exceeds the ${this.maxDeltaBytes}-byte limit for this model`,
        );
      }
      entry = {
        reassembler: new ChunkReassembler({ maxTotalBytes: this.maxDeltaBytes }),
        startedAt: Date.now(),
      };
    }
    const receipt = entry.reassembler.push(chunk);
    if (!receipt.ok) return receipt;
    this.incoming.set(key, entry);
    if (receipt.data.complete) {
      const finished = await entry.reassembler.finish();
      if (!finished.ok) {
        this.incoming.delete(key);
        return finished;
      }
      entry.bytes = finished.data;
    }
    return receipt;
  }

  /** The finished bytes of a transfer that match `ref`, removed from the buffer. */
  take(siteId: string, ref: TransferRef): Ack<Uint8Array> {
    const key = `${siteId}/${ref.transferId}`;
    const entry = this.incoming.get(key);
    if (!entry) return fail('unknown_transfer', `no delta transfer ${ref.transferId} from this site`);
    if (!entry.bytes)
      return fail(
        'incomplete_transfer',
        `delta transfer ${ref.transferId} is missing chunks (next: ${entry.reassembler.nextIndex})`,
      );
    if (entry.bytes.byteLength !== ref.totalBytes)
      return fail('invalid_payload', 'the submission names another size than the transfer had');
    this.incoming.delete(key);
    return ok(entry.bytes);
  }

  private prune(now: number): void {
    for (const [key, entry] of this.incoming) if (now - entry.startedAt > STALE_MS) this.incoming.delete(key);
  }
}
