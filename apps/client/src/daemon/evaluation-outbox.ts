import type { EvaluateRes } from '@fedfuse/protocol';
import { FlEvent } from '@fedfuse/protocol';

import type { Logger } from '../log/logger.ts';
import type { StateFile } from '../store/state-file.ts';
import type { Connection } from './connection.ts';
import type { UploadOutcome } from './fit-uploader.ts';
import { TransportError } from './request.ts';
import { afterRefusal } from './submit-policy.ts';

/** An evaluation result and what it was computed from. */
export interface EvaluationEntry {
  res: EvaluateRes;
  roundNumber: number;
  modelHash: string;
}

/**
 * Evaluation results waiting for the coordinator's receipt. They are cheap to recompute, so they live in
 * memory only: re-sent after a reconnect, recomputed after a daemon restart if the coordinator asks again.
 */
export class EvaluationOutbox {
  private readonly entries = new Map<string, EvaluationEntry>();

  constructor(private readonly deps: { connection: Connection; state: StateFile; log: Logger }) {}

  /** The unsent result of `roundId` for `modelHash`, if any. */
  find(roundId: string, modelHash: string): EvaluationEntry | undefined {
    const entry = this.entries.get(roundId);
    return entry?.modelHash === modelHash ? entry : undefined;
  }

  /** Keep `entry` and try to submit it; never rejects. */
  async submit(entry: EvaluationEntry): Promise<UploadOutcome> {
    const { roundId } = entry.res;
    this.entries.set(roundId, entry);
    const { log } = this.deps;
    if (!this.deps.connection.ready) return 'kept';
    try {
      const ack = await this.deps.connection.request(FlEvent.evaluateSubmit, entry.res);
      if (ack.ok) {
        this.entries.delete(roundId);
        await this.record(entry, ack.data.acceptedAt);
        log.info('evaluation accepted', {
          roundId,
          roundNumber: entry.roundNumber,
          alreadyAccepted: ack.data.alreadyAccepted,
        });
        return 'accepted';
      }
      if (afterRefusal(ack.error.code) === 'retry') {
        log.warn('evaluation refused for now; it will be re-sent after reconnecting', {
          roundId,
          code: ack.error.code,
        });
        return 'kept';
      }
      this.entries.delete(roundId);
      log.warn('evaluation dropped', { roundId, code: ack.error.code, reason: ack.error.message });
      return 'dropped';
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (err instanceof TransportError)
        log.warn('evaluation not delivered; it will be re-sent after reconnecting', { roundId, reason });
      else log.error('evaluation upload failed', { roundId, error: reason });
      return 'kept';
    }
  }

  /** Re-send every kept result (after each handshake). */
  async submitAll(): Promise<void> {
    for (const entry of [...this.entries.values()]) await this.submit(entry);
  }

  /** Forget a round's result (the round was cancelled). */
  discard(roundId: string): void {
    this.entries.delete(roundId);
  }

  private async record(entry: EvaluationEntry, acceptedAt: number): Promise<void> {
    const auc: Record<string, number> = {};
    for (const [task, t] of Object.entries(entry.res.tasks))
      if (t.metrics.auc !== undefined) auc[task] = t.metrics.auc;
    await this.deps.state.update({
      lastEvaluated: {
        runId: entry.res.runId,
        roundId: entry.res.roundId,
        roundNumber: entry.roundNumber,
        modelHash: entry.modelHash,
        numExamples: entry.res.numExamples,
        auc,
        acceptedAt,
      },
    });
  }
}
