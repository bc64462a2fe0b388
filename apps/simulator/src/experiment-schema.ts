import { z } from 'zod';
import { FinalTaskReport, Metric, ReportPrivacy, SimulationConfig } from './report-schema.ts';

/** Classification metrics of one task, as the comparison tables need them. */
const TaskScores = z.object({
  auc: Metric,
  f1: Metric,
  precision: Metric,
  recall: Metric,
  accuracy: Metric,
});
export type TaskScores = z.infer<typeof TaskScores>;

/** One federated run of the study, condensed from its report.json. */
export const RunSummary = z.object({
  name: z.string(),
  config: SimulationConfig,
  /** Path of the run's own report.html, relative to the experiment folder. */
  report: z.string(),
  final: z.object({ meanAuc: Metric, tasks: z.record(z.string(), FinalTaskReport) }),
  /** Pooled AUC per task after each round (the coordinator's federated evaluation). */
  rounds: z.array(z.object({ number: z.int(), tasks: z.record(z.string(), Metric) })),
  seconds: z.number(),
  peakMemoryBytes: z.int(),
  /** The run's (ε, δ) and mechanism; absent from results written before issue 16. */
  privacy: ReportPrivacy.optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** A run that did not finish, with the reason. */
const FailedRun = z.object({ name: z.string(), error: z.string() });

/** Pooled data trained in one place, or each site on its own. */
const BaselineResult = z.object({
  tasks: z.record(z.string(), TaskScores),
  meanAuc: Metric,
  seconds: z.number(),
});

/** What `fedfuse-sim experiment` writes to results.json. */
export const ExperimentReport = z.object({
  schema: z.literal('fedfuse-sim/experiment/1'),
  generatedAt: z.iso.datetime(),
  preset: z.string(),
  command: z.string(),
  runs: z.array(RunSummary),
  failed: z.array(FailedRun),
  centralized: BaselineResult.nullable(),
  localOnly: z
    .object({
      /** Mean over sites of each site's model on every site's held-out split. */
      pooled: BaselineResult,
      sites: z.array(
        z.object({
          site: z.string(),
          pooled: z.record(z.string(), Metric),
          own: z.record(z.string(), Metric),
        }),
      ),
    })
    .nullable(),
  totalSeconds: z.number(),
});
export type ExperimentReport = z.infer<typeof ExperimentReport>;
