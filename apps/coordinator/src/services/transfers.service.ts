import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Ack, ChunkReceipt, TransferChunk, TransferRef } from '@fedfuse/protocol';
import { ChunkReassembler, fail, ok } from '@fedfuse/protocol';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { RunsRepository } from '../repositories/runs.repository.ts';
import { CLOCK } from '../tokens.ts';
import { AuditService } from './audit.service.ts';
import type { Clock } from './clock.ts';
import { DeltaBuffers } from './delta-buffers.ts';

interface Incoming {
  reassembler: ChunkReassembler;
  /** The kept buffer the chunks are copied into as they arrive, when one was free at the first chunk. */
  into?: Uint8Array;
  startedAt: number;
  sha256: string;
  bytes?: Uint8Array;
}

const MAX_OPEN_PER_SITE = 2;
const STALE_MS = 10 * 60_000;

/** Why a site's unfinished transfers were dropped. */
export type AbandonReason = 'disconnected' | 'round_closed';

/**
 * Sealed deltas arriving in chunks, per site, until the submission that names them. Only a site selected
 * in a round that is training may open one (W7); memory grows with the chunks that arrived.
 */
@Injectable()
export class TransfersService {
  private readonly incoming = new Map<string, Incoming>();
  /** Finished transfers are reassembled into these, handed back by `release` once their submission is done. */
  private readonly buffers = new DeltaBuffers();
  /** Upper bound on one delta's bytes (set from the active run's model size). */
  maxDeltaBytes = 64 * 1024 * 1024;

  constructor(
    private readonly runs: RunsRepository,
    private readonly rounds: RoundsRepository,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** `inSecureRound`: the site is expected in a secure round's driver (its masked input travels this way). */
  async push(siteId: string, chunk: TransferChunk, inSecureRound = false): Promise<Ack<ChunkReceipt>> {
    this.prune(this.clock.now());
    const key = `${siteId}/${chunk.transferId}`;
    let entry = this.incoming.get(key);
    if (!entry) {
      const open = this.keysOf(siteId).length;
      if (open >= MAX_OPEN_PER_SITE) return fail('rate_limited', `site already has ${open} transfers open`);
      if (chunk.totalBytes > this.maxDeltaBytes) {
        return fail(
          'payload_too_large',
          `a delta of ${chunk.totalBytes} bytes exceeds the ${this.maxDeltaBytes}-byte limit for this model`,
        );
      }
      if (!inSecureRound && !(await this.training(siteId)))
        return fail('wrong_round', 'no round is training with this site selected: nothing to upload');
      // A kept buffer, when there is one, takes the chunks as they arrive: they die young instead of piling up
      // as garbage for a full collection. Never a fresh one here: memory grows with what arrives (W7).
      const into = this.buffers.takeKept(chunk.totalBytes);
      // The transfer's hash is checked when its bytes are taken (`take`), and not at all for a sealed delta,
      // whose AEAD tag authenticates every byte when it is opened: one pass over every upload less.
      entry = {
        reassembler: new ChunkReassembler({
          maxTotalBytes: this.maxDeltaBytes,
          verifyHash: false,
          ...(into ? { into } : {}),
        }),
        ...(into ? { into } : {}),
        startedAt: this.clock.now(),
        sha256: chunk.sha256,
      };
    }
    const receipt = entry.reassembler.push(chunk);
    if (!receipt.ok) {
      if (!this.incoming.has(key) && entry.into) this.buffers.release(entry.into); // a refused first chunk
      return receipt;
    }
    this.incoming.set(key, entry);
    if (receipt.data.complete) {
      const into = entry.into ?? this.buffers.take(chunk.totalBytes);
      const finished = await entry.reassembler.finish(into);
      if (!finished.ok) {
        this.incoming.delete(key);
        this.buffers.release(into);
        return finished;
      }
      entry.bytes = finished.data;
    }
    return receipt;
  }

  /**
   * The finished bytes of a transfer that match `ref`, removed from the buffer, once they hash to the
   * transfer's SHA-256 (else refused: `hash_mismatch`). `authenticated`: the caller checks every byte itself
   * before using any (it opens a sealed box), so they are not hashed.
   */
  take(siteId: string, ref: TransferRef, authenticated = false): Ack<Uint8Array> {
    const key = `${siteId}/${ref.transferId}`;
    const entry = this.incoming.get(key);
    if (!entry) return fail('unknown_transfer', `no delta transfer ${ref.transferId} from this site`);
    if (!entry.bytes)
      return fail(
        'incomplete_transfer',
        `delta transfer ${ref.transferId} is missing chunks (next: ${entry.reassembler.nextIndex})`,
      );
    if (entry.bytes.byteLength !== ref.totalBytes || entry.sha256 !== ref.sha256)
      return fail('invalid_payload', 'the submission names another size or hash than the transfer had');
    this.incoming.delete(key);
    if (!authenticated) {
      const actual = createHash('sha256').update(entry.bytes).digest('hex');
      if (actual !== entry.sha256) {
        this.buffers.release(entry.bytes);
        return fail(
          'hash_mismatch',
          `transfer ${ref.transferId} hashes to ${actual}, but ${entry.sha256} was announced`,
        );
      }
    }
    return ok(entry.bytes);
  }

  /**
   * Hands back the bytes `take` returned once nothing holds a view of them any more (the submission stored,
   * copied or dropped all it needed), so the next transfer reuses them.
   */
  release(bytes: Uint8Array): void {
    this.buffers.release(bytes);
  }

  /** Bytes held by every open transfer, for /metrics. */
  bytesHeld(): number {
    let total = 0;
    for (const entry of this.incoming.values()) total += heldBy(entry);
    return total;
  }

  /** Drops a site's open transfers (it left, or its round closed) and audits what was freed. */
  async abandon(siteId: string, reason: AbandonReason): Promise<void> {
    const keys = this.keysOf(siteId);
    if (keys.length === 0) return;
    let bytes = 0;
    for (const key of keys) {
      const entry = this.incoming.get(key)!;
      bytes += heldBy(entry);
      this.incoming.delete(key);
      // Out of the map, nothing can write to or take its buffer any more.
      const buffer = entry.into ?? entry.bytes;
      if (buffer) this.buffers.release(buffer);
    }
    await this.audit.record({
      actor: { kind: 'site', id: siteId },
      action: 'transfer.abandoned',
      details: { reason, transfers: keys.length, bytes },
    });
  }

  private keysOf(siteId: string): string[] {
    return [...this.incoming.keys()].filter((k) => k.startsWith(`${siteId}/`));
  }

  /** Whether a running run has a round in training that selected this site. */
  private async training(siteId: string): Promise<boolean> {
    for (const run of await this.runs.listInState('running')) {
      const round = await this.rounds.findOpen(run.id);
      if (round?.stage === 'fit' && round.selectedSites.includes(siteId)) return true;
    }
    return false;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.incoming) if (now - entry.startedAt > STALE_MS) this.incoming.delete(key);
  }
}

function heldBy(entry: Incoming): number {
  return entry.bytes?.byteLength ?? entry.reassembler.bytesHeld;
}
