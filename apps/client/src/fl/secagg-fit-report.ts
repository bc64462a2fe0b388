import type { FitRecordLevel } from '@fedfuse/protocol';
import { SecAggFitReport, formatIssues } from '@fedfuse/protocol';
import type { TrainOutcome } from '../trainer/messages.ts';

/**
 * What a secure round's masked input carries of training, as FitRes does in a plain round: examples, the
 * loss per epoch and its terms, fit metrics, record-level ε; never the update. Not valid (a diverged, NaN
 * loss): left out, since a bad report must never keep the masked input from being accepted.
 */
export function secAggFitReport(
  outcome: Pick<TrainOutcome, 'numExamples' | 'lossPerEpoch' | 'lossTerms' | 'seconds'>,
  recordLevel: FitRecordLevel | null,
): { ok: true; report: SecAggFitReport } | { ok: false; reason: string } {
  const loss = outcome.lossPerEpoch.at(-1);
  const parsed = SecAggFitReport.safeParse({
    numExamples: outcome.numExamples,
    metrics: { ...(loss === undefined ? {} : { loss }), trainSeconds: outcome.seconds },
    lossPerEpoch: outcome.lossPerEpoch,
    lossTerms: outcome.lossTerms,
    ...(recordLevel ? { recordLevel } : {}),
  });
  return parsed.success
    ? { ok: true, report: parsed.data }
    : { ok: false, reason: formatIssues(parsed.error.issues) };
}
