import type { RoundFailure } from '@fedfuse/protocol';
import { FlEvent } from '@fedfuse/protocol';

import type { Logger } from '../log/logger.ts';
import type { Connection } from './connection.ts';

/** Error messages are capped by the protocol; the start says what went wrong. */
const MAX_MESSAGE = 500;

/**
 * Tells the coordinator at once that this site cannot finish a round, and why (code and message, no
 * data), so the round need not wait for its deadline. Never rejects: the deadline still covers a loss.
 */
export class FailureReporter {
  constructor(private readonly deps: { connection: Pick<Connection, 'ready' | 'request'>; log: Logger }) {}

  async report(failure: RoundFailure): Promise<void> {
    const { connection, log } = this.deps;
    const message = failure.message.slice(0, MAX_MESSAGE) || 'no message';
    if (!connection.ready) return;
    try {
      const ack = await connection.request(FlEvent.roundFailed, { ...failure, message });
      if (!ack.ok)
        log.warn('the coordinator refused the failure report', {
          roundId: failure.roundId,
          code: ack.error.code,
        });
    } catch (err) {
      log.warn('could not report the failure', {
        roundId: failure.roundId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}

/** An error's message, for a failure report. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
