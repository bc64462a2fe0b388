import type { PooledTask, RoundView } from './coordinator-api.ts';
import { finite } from './final-evaluation.ts';
import type { RoundReport } from './report-schema.ts';

function attentionOf(m: PooledTask): RoundReport['tasks'][string]['attention'] {
  const values = [m['attention.ehr'], m['attention.imaging'], m['attention.genomics']];
  if (values.every((v) => v === undefined || v === null)) return null;
  return {
    ehr: finite(m['attention.ehr'] ?? undefined),
    imaging: finite(m['attention.imaging'] ?? undefined),
    genomics: finite(m['attention.genomics'] ?? undefined),
  };
}

/**
 * The report's `rounds[]`: the committed attempt of each round number with its pooled metrics, site
 * names, duration, and the split of that duration into local training and everything else.
 */
export function roundReports(o: {
  rounds: readonly RoundView[];
  siteNames: ReadonlyMap<string, string>;
  longestTraining: (roundId: string) => number | undefined;
}): RoundReport[] {
  return o.rounds
    .filter((r) => r.stage === 'committed' && r.metrics !== null)
    .sort((a, b) => a.number - b.number)
    .map((r) => {
      const duration = r.finishedAt === null ? undefined : (r.finishedAt - r.startedAt) / 1000;
      const training = o.longestTraining(r.roundId);
      const overhead =
        duration !== undefined && training !== undefined ? Math.max(0, duration - training) : undefined;
      const tasks = Object.fromEntries(
        Object.entries(r.metrics?.tasks ?? {}).map(([task, m]) => [
          task,
          {
            auc: finite(m.auc ?? undefined),
            f1: finite(m.f1 ?? undefined),
            precision: finite(m.precision ?? undefined),
            recall: finite(m.recall ?? undefined),
            accuracy: finite(m.accuracy ?? undefined),
            numExamples: Math.max(0, Math.round(m.numExamples ?? 0)),
            attention: attentionOf(m),
          },
        ]),
      );
      const validation = Object.values(r.metrics?.validation ?? {}).flatMap((m) =>
        m.auc === null || m.auc === undefined || !Number.isFinite(m.auc) ? [] : [m.auc],
      );
      return {
        number: r.number,
        attempt: r.attempt,
        stage: r.stage,
        sites: r.sites.map((id) => o.siteNames.get(id) ?? id),
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        durationSeconds: finite(duration),
        trainingSeconds: finite(training),
        overheadSeconds: finite(overhead),
        tasks,
        trainingLoss: finite(r.trainingLoss ?? undefined),
        lossTerms: r.trainingLossTerms ?? null,
        validationAuc: finite(
          validation.length > 0 ? validation.reduce((a, b) => a + b, 0) / validation.length : undefined,
        ),
      };
    });
}
