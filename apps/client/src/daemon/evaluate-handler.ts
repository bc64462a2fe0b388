import type { Ack, EvaluateIns } from '@fedfuse/protocol';
import {
  EvaluateRes,
  FlEvent,
  fail,
  flServerEventSchemas,
  formatIssues,
  ok,
  parseOrError,
} from '@fedfuse/protocol';

import { checkEvaluateTasks, checkSpecFit } from '../fl/spec-fit.ts';
import type { Logger } from '../log/logger.ts';
import type { DataSummary } from '../trainer/messages.ts';
import type { SiteTrainer } from '../trainer/site-trainer.ts';
import type { EvaluationOutbox } from './evaluation-outbox.ts';
import type { FailureReporter } from './failure-reporter.ts';
import { errorMessage } from './failure-reporter.ts';
import type { WeightsSource } from './weights-source.ts';

/**
 * `evaluate:start`: acknowledge at once, then score the global model on the held-out split in the worker
 * and submit counts, metrics and score histograms (never a patient's id, value or prediction).
 */
export class EvaluateHandler {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly deps: {
      data: DataSummary;
      trainer: SiteTrainer;
      weights: WeightsSource;
      outbox: EvaluationOutbox;
      failures: FailureReporter;
      log: Logger;
      /** Whether this site's ledger holds record-level DP-SGD training for the run. */
      trainedUnderRecordLevelDp: (runId: string) => boolean;
    },
  ) {}

  /** Handle an `evaluate:start` and return its acknowledgement. */
  onEvaluateStart(raw: unknown): Ack<undefined> {
    const parsed = parseOrError(flServerEventSchemas[FlEvent.evaluateStart].payload, raw);
    if (!parsed.ok) return parsed;
    const ins = parsed.data;
    const cached = this.deps.outbox.find(ins.roundId, ins.model.modelHash);
    if (cached) {
      void this.deps.outbox.submit(cached);
      return ok(undefined);
    }
    if (this.running.has(ins.roundId)) return ok(undefined);
    const problem =
      checkEvaluateTasks(ins.modelSpec, ins.config.tasks) ??
      checkSpecFit(ins.modelSpec, this.deps.data).error;
    if (problem) {
      this.deps.log.error('cannot evaluate this round', { roundId: ins.roundId, reason: problem });
      return fail('invalid_payload', problem);
    }
    const abort = new AbortController();
    this.running.set(ins.roundId, abort);
    void this.run(ins, abort.signal)
      .catch(async (err: unknown) => {
        if (abort.signal.aborted) return;
        this.deps.log.error('evaluation failed', { roundId: ins.roundId, err });
        await this.deps.failures.report({
          runId: ins.runId,
          roundId: ins.roundId,
          stage: 'evaluate',
          code: 'evaluation_error',
          message: errorMessage(err),
          retryable: false,
        });
      })
      .finally(() => this.running.delete(ins.roundId));
    return ok(undefined);
  }

  /** Stop and forget the evaluation of a cancelled round. */
  cancel(roundId: string): void {
    this.running.get(roundId)?.abort();
    this.deps.outbox.discard(roundId);
  }

  /** Abort every evaluation in progress (shutdown). */
  close(): void {
    for (const abort of this.running.values()) abort.abort();
  }

  private async run(ins: EvaluateIns, signal: AbortSignal): Promise<void> {
    const { deps } = this;
    deps.log.info('evaluation started', {
      roundId: ins.roundId,
      roundNumber: ins.roundNumber,
      tasks: ins.config.tasks,
    });
    const weights = await deps.weights.get({
      roundId: ins.roundId,
      model: ins.model,
      spec: ins.modelSpec,
      signal,
    });
    if (signal.aborted) return;
    const outcome = await deps.trainer.evaluate({
      spec: ins.modelSpec,
      manifest: ins.model.manifest,
      weights,
      tasks: ins.config.tasks,
      bins: ins.config.bins,
      batchSize: ins.config.batchSize,
      ...recalibration(ins, deps.trainedUnderRecordLevelDp(ins.runId)),
    });
    if (signal.aborted) return;
    const res = EvaluateRes.safeParse({
      runId: ins.runId,
      roundId: ins.roundId,
      numExamples: outcome.numExamples,
      tasks: outcome.tasks,
      validation: outcome.validation,
    });
    if (!res.success)
      throw new Error(`the evaluation is not a valid EvaluateRes: ${formatIssues(res.error.issues)}`);
    const auc = Object.fromEntries(
      Object.entries(res.data.tasks).map(([t, e]) => [t, e.metrics.auc ?? null]),
    );
    deps.log.info('evaluation done', { roundId: ins.roundId, numExamples: outcome.numExamples, auc });
    await deps.outbox.submit({ res: res.data, roundNumber: ins.roundNumber, modelHash: ins.model.modelHash });
  }
}

/**
 * The split the coordinator asks the site to refit its intercepts on, except that after record-level
 * DP-SGD training in the run the site refits on its validation split whatever it is asked: training
 * records reach the reported histograms only through the DP-trained weights, by the site's own rule.
 */
function recalibration(ins: EvaluateIns, recordLevel: boolean): { recalibrateOn?: 'train' | 'validation' } {
  const asked = ins.config.recalibrateOn;
  if (!asked) return {};
  return { recalibrateOn: recordLevel ? 'validation' : asked };
}
