import type { ProtocolError, TransferChunk } from '@fedfuse/protocol';
import { DEFAULT_CHUNK_WINDOW, FlEvent, chunkTransfer, sendWindowed } from '@fedfuse/protocol';

import type { Logger } from '../log/logger.ts';
import type { PendingResult, PendingStore } from '../store/pending-store.ts';
import type { StateFile } from '../store/state-file.ts';
import { sleep } from './backoff.ts';
import type { Connection } from './connection.ts';
import { TransportError } from './request.ts';
import { MAX_SUBMIT_ATTEMPTS, afterRefusal } from './submit-policy.ts';

/** How an upload attempt ended. */
export type UploadOutcome = 'accepted' | 'dropped' | 'kept';

/**
 * Sends finished training results: the sealed delta as `delta:chunk`s, then `round:submit`. A result stays
 * pending (memory and disk) until the coordinator returns a SubmitReceipt or refuses it for good; after a
 * transport failure it is re-sent after the next handshake, never retrained.
 */
export class FitUploader {
  private readonly inFlight = new Map<string, Promise<UploadOutcome>>();
  private readonly attempts = new Map<string, number>();
  private readonly closed = new AbortController();

  constructor(
    private readonly deps: {
      connection: Connection;
      pending: PendingStore;
      state: StateFile;
      log: Logger;
      /** Wait before retrying a result refused with a transient code while still connected. */
      retryDelayMs: number;
    },
  ) {}

  /** Upload (or join the upload in progress of) one pending result; never rejects. */
  upload(result: PendingResult): Promise<UploadOutcome> {
    const { roundId } = result.record;
    const running = this.inFlight.get(roundId);
    if (running) return running;
    const started = this.attempt(result).finally(() => this.inFlight.delete(roundId));
    this.inFlight.set(roundId, started);
    return started;
  }

  /** Re-send every pending result, oldest first (after each handshake). */
  async uploadAll(): Promise<void> {
    for (const result of this.deps.pending.all()) await this.upload(result);
  }

  /** Forget a round's result (the round was cancelled). */
  async discard(roundId: string): Promise<void> {
    this.attempts.delete(roundId);
    await this.deps.pending.remove(roundId);
  }

  /** Stop scheduled retries. */
  close(): void {
    this.closed.abort();
  }

  private async attempt(result: PendingResult): Promise<UploadOutcome> {
    const { record } = result;
    const { connection, log } = this.deps;
    const fields = { roundId: record.roundId, roundNumber: record.roundNumber };
    if (!connection.ready) {
      log.info('training result saved; it will be sent after reconnecting', fields);
      return 'kept';
    }
    try {
      const chunkProblem = await this.sendChunks(result);
      if (chunkProblem && afterRefusal(chunkProblem.code) === 'drop')
        return await this.drop(record.roundId, chunkProblem);
      const ack = await connection.request(FlEvent.roundSubmit, record.fitRes);
      if (ack.ok) {
        await this.deps.pending.remove(record.roundId);
        this.attempts.delete(record.roundId);
        await this.recordAccepted(result, ack.data.acceptedAt);
        log.info('training result accepted', { ...fields, alreadyAccepted: ack.data.alreadyAccepted });
        return 'accepted';
      }
      if (afterRefusal(ack.error.code) === 'drop') return await this.drop(record.roundId, ack.error);
      return this.retryLater(result, ack.error);
    } catch (err) {
      if (err instanceof TransportError) {
        log.warn('training result not delivered; it will be re-sent after reconnecting', {
          ...fields,
          reason: err.message,
        });
      } else {
        log.error('training result upload failed; it stays pending', { ...fields, err });
      }
      return 'kept';
    }
  }

  /**
   * Send every chunk, DEFAULT_CHUNK_WINDOW of them in flight; a `duplicate` means the coordinator already
   * has it. Returns the first other refusal.
   */
  private async sendChunks(result: PendingResult): Promise<ProtocolError | undefined> {
    const { transfer } = result.record.fitRes.delta;
    // The hash was taken when the result was sealed (and checked again if it was read back from disk):
    // not once more per attempt, a pass over the whole sealed delta each time.
    const chunked = await chunkTransfer(result.sealed, {
      transferId: transfer.transferId,
      chunkBytes: transfer.chunkBytes,
      chunkDigests: false,
      sha256: transfer.sha256,
    });
    let refusal: ProtocolError | undefined;
    const send = async (chunk: TransferChunk): Promise<boolean> => {
      const ack = await this.deps.connection.request(FlEvent.deltaChunk, chunk);
      if (ack.ok || ack.error.code === 'duplicate') return true;
      refusal ??= ack.error;
      this.deps.log.warn('delta chunk refused', {
        roundId: result.record.roundId,
        index: chunk.index,
        code: ack.error.code,
        reason: ack.error.message,
      });
      return false;
    };
    // The first chunk alone: it opens the transfer on the coordinator, which the others then join.
    const chunks = chunked.chunks();
    const first = chunks.next();
    if (!first.done && !(await send(first.value))) return refusal;
    await sendWindowed(chunks, { window: DEFAULT_CHUNK_WINDOW, send });
    return refusal;
  }

  private async drop(roundId: string, error: ProtocolError): Promise<UploadOutcome> {
    this.deps.log.warn('training result dropped', { roundId, code: error.code, reason: error.message });
    await this.discard(roundId);
    return 'dropped';
  }

  private async retryLater(result: PendingResult, error: ProtocolError): Promise<UploadOutcome> {
    const { roundId } = result.record;
    const attempts = (this.attempts.get(roundId) ?? 0) + 1;
    this.attempts.set(roundId, attempts);
    if (attempts >= MAX_SUBMIT_ATTEMPTS)
      return this.drop(roundId, {
        ...error,
        message: `${error.message} (gave up after ${attempts} attempts)`,
      });
    this.deps.log.warn('training result refused for now; retrying', {
      roundId,
      code: error.code,
      reason: error.message,
      attempt: attempts,
    });
    void sleep(this.deps.retryDelayMs, this.closed.signal).then((waited) => {
      if (waited && this.deps.pending.find(roundId, result.record.modelHash)) return this.upload(result);
    });
    return 'kept';
  }

  private async recordAccepted(result: PendingResult, acceptedAt: number): Promise<void> {
    const { record } = result;
    await this.deps.state.update({
      lastTrained: {
        runId: record.fitRes.runId,
        roundId: record.roundId,
        roundNumber: record.roundNumber,
        modelHash: record.modelHash,
        numExamples: record.fitRes.numExamples,
        loss: record.fitRes.lossPerEpoch.at(-1),
        acceptedAt,
      },
    });
  }
}
