import type { SecAggFitReport } from '@fedfuse/protocol';
import type { UpdateRow } from '../repositories/rounds.repository.ts';

/** What the payload of a secure round's fit row holds: the site's report, and no delta (there is none). */
export interface SecureFitPayload extends SecAggFitReport {
  secure: true;
}

/**
 * A committed secure round's fit rows, one per survivor that sent a report with its masked input: they give
 * the round its training loss, loss terms, sites' rounds joined and record-level ε as a plain round's FitRes
 * rows do, with `delta_path` null. Written in the commit's transaction, after aggregation read the updates.
 */
export function secureFitRows(args: {
  roundId: string;
  survivors: readonly string[];
  reports: ReadonlyMap<string, SecAggFitReport>;
  at: number;
}): Omit<UpdateRow, 'id'>[] {
  return args.survivors.flatMap((siteId) => {
    const report = args.reports.get(siteId);
    if (!report) return [];
    const payload: SecureFitPayload = { secure: true, ...report };
    return [
      {
        round_id: args.roundId,
        site_id: siteId,
        stage: 'fit' as const,
        message_key: `secagg:${args.roundId}:${siteId}`,
        num_examples: report.numExamples,
        payload: JSON.stringify(payload),
        delta_path: null,
        received_at: args.at,
      },
    ];
  });
}
