import { z } from 'zod';
import { FitRecordLevel, LossTerms, RoundStage, formatIssues } from '@fedfuse/protocol';

// The contract of `report.json`: written by `fedfuse-sim run`, read by `fedfuse-sim experiment`, the
// HTML report and anyone's notebook. A metric that is undefined for the data (an AUC with one class
// only) is null, because JSON has no NaN.

/** A metric value; null where it is undefined for the data. */
export const Metric = z.number().nullable();

/** One number per modality, in the model's fixed order. */
export const ModalityValues = z.object({ ehr: Metric, imaging: Metric, genomics: Metric });
export type ModalityValues = z.infer<typeof ModalityValues>;

/** The classification metrics reported for every task. */
const TaskMetrics = z.object({
  auc: Metric,
  f1: Metric,
  precision: Metric,
  recall: Metric,
  accuracy: Metric,
  /** Patients with a label for this task in the evaluated population. */
  numExamples: z.int().min(0),
});
export type TaskMetrics = z.infer<typeof TaskMetrics>;

/** One round as the coordinator's federated evaluation saw it (pooled over the sites' held-out splits). */
export const RoundReport = z.object({
  number: z.int().min(1),
  attempt: z.int().min(0),
  /** Reports written before the stage words said `phase: "done"`: only committed rounds are reported. */
  stage: RoundStage.default('committed'),
  /** Names of the sites that trained in this round. */
  sites: z.array(z.string()),
  startedAt: z.int(),
  finishedAt: z.int().nullable(),
  durationSeconds: Metric,
  /** Local training of the round from the sites' logs: the longest sum over one site host's sites. */
  trainingSeconds: Metric,
  /** Everything in the round that is not local training: transfers, sealing, aggregation, evaluation. */
  overheadSeconds: Metric,
  /** Per task: the pooled AUC (from score histograms) and example-weighted means of the sites' metrics. */
  tasks: z.record(z.string(), TaskMetrics.extend({ attention: ModalityValues.nullable() })),
  /** The sites' last-epoch local objective (task loss + regularisation), pooled by examples. */
  trainingLoss: Metric.default(null),
  /** The same objective in its terms: `task` is the masked BCE; the rest regularise (null: not reported). */
  lossTerms: LossTerms.nullable().default(null),
  /** Mean over tasks of the pooled validation AUC, which the selected round is chosen on. */
  validationAuc: Metric,
});
export type RoundReport = z.infer<typeof RoundReport>;

const RemovalMetrics = z.object({ accuracy: Metric, auc: Metric });

/** The final model on the pooled held-out splits of every site, evaluated by the simulator. */
export const FinalTaskReport = TaskMetrics.extend({
  /** Mean attention weight per modality (attention fusions only; null for the others). */
  attention: ModalityValues.nullable(),
  /** Exact Shapley value of each modality for the AUC, from the 2³ masked evaluations (v(∅) = 0.5). */
  shapley: ModalityValues,
  /** AUC with only the modalities of each subset present, keyed `ehr+imaging` etc. (`none` is 0.5). */
  subsets: z.record(z.string(), Metric),
  /** The same model with one modality hidden from every patient at inference. */
  ablation: z.object({
    imaging_removed: RemovalMetrics,
    genomics_removed: RemovalMetrics,
    ehr_removed: RemovalMetrics,
  }),
});
export type FinalTaskReport = z.infer<typeof FinalTaskReport>;

/** A 2-D projection of the fused representation, coloured by each task's label. */
export const EmbeddingReport = z.object({
  method: z.literal('pca'),
  /** Share of the variance each of the two components explains. */
  explainedVariance: z.tuple([z.number(), z.number()]),
  points: z.array(z.tuple([z.number(), z.number()])),
  /** Per task, each point's label (null where missing). */
  labels: z.record(z.string(), z.array(z.union([z.literal(0), z.literal(1), z.null()]))),
});
export type EmbeddingReport = z.infer<typeof EmbeddingReport>;

/** What the simulation was asked to do. */
export const SimulationConfig = z.object({
  sites: z.int().min(1),
  rounds: z.int().min(1),
  seed: z.int(),
  /** `--train-seed` when the model and run had their own seed (reports before it: none). */
  trainSeed: z.int().nullable().default(null),
  fusion: z.string(),
  strategy: z.string(),
  patientsPerSite: z.int().min(1),
  /** Dirichlet concentration of the sites' label mix; null for IID sites. */
  nonIid: z.number().nullable(),
  iid: z.boolean(),
  epochs: z.int().min(1),
  /** Fraction of the sites that trained each round (reports before it: every site, 1). */
  fraction: z.number().gt(0).max(1).default(1),
  batchSize: z.int().min(1),
  learningRate: z.number().positive(),
  modalityKeepProb: z.number(),
  proximalMu: z.number().min(0),
  serverLearningRate: z.number().nullable(),
  imageSize: z.int().min(1),
  /** What the images show (`--image-family`; reports before it: `chest`, the only family then). */
  imageFamily: z.string().default('chest'),
  genes: z.int().min(1),
  /** Factor on the generator's default missing-modality rates. */
  missingScale: z.number().min(0),
  weightDecay: z.number().min(0),
  alignWeight: z.number().min(0),
  genomicsNoise: z.number().min(0),
  genomicsDecay: z.number().min(0),
  tasks: z.array(z.string()),
  backend: z.string(),
});
export type SimulationConfig = z.infer<typeof SimulationConfig>;

/** One generated site, as the generator described it (counts only). */
const SiteSummary = z.object({
  name: z.string(),
  patients: z.int(),
  test: z.int(),
  prevalence: z.record(z.string(), z.number()),
  withModality: z.record(z.string(), z.int()),
});

/** Peak resident memory of a process, from /proc/<pid>/status VmHWM. */
const ProcessMemory = z.object({ role: z.string(), pid: z.int(), peakBytes: z.int().min(0) });

/** The run's privacy guarantee (null fields: the run was not differentially private). */
export const ReportPrivacy = z.object({
  secureAggregation: z.boolean(),
  epsilon: z.number().nullable(),
  delta: z.number().nullable(),
  mechanism: z.string().nullable(),
  /**
   * Per site (by name): the rounds its update was averaged into and their client-level ε (null without
   * `dp`), and its own per-patient ε under record-level DP-SGD (null without it); empty without DP.
   */
  sites: z
    .array(
      z.object({
        name: z.string(),
        rounds: z.int().min(0),
        epsilon: z.number().nullable(),
        recordLevel: FitRecordLevel.nullable().default(null),
      }),
    )
    .default([]),
});
export type ReportPrivacy = z.infer<typeof ReportPrivacy>;

/** Everything `fedfuse-sim run` writes to `report.json`. */
export const SimulationReport = z.object({
  schema: z.literal('fedfuse-sim/report/1'),
  generatedAt: z.iso.datetime(),
  config: SimulationConfig,
  runId: z.string(),
  sites: z.array(SiteSummary),
  rounds: z.array(RoundReport).min(1),
  final: z.object({
    /** The selected round (best pooled validation AUC), which the final table scores on the test split. */
    round: z.int().min(1),
    /** The last round trained; the selected round when no site held out validation patients. */
    lastRound: z.int().min(1),
    selectedBy: z.enum(['validation', 'last']),
    numExamples: z.int().min(0),
    meanAuc: Metric,
    tasks: z.record(z.string(), FinalTaskReport),
    embedding: EmbeddingReport,
  }),
  privacy: ReportPrivacy,
  timings: z.object({
    totalSeconds: z.number().min(0),
    /** Generating and loading the data, starting and enrolling the processes. */
    setupSeconds: z.number().min(0),
    /** Of the setup: enrolling and starting every site until its handshake (reports before it: absent). */
    startSitesSeconds: z.number().min(0).optional(),
    /** Sum over rounds of each round's longest local training. */
    trainingSeconds: z.number().min(0),
    /** Sum over rounds of everything else in the round. */
    roundOverheadSeconds: z.number().min(0),
    finalEvaluationSeconds: z.number().min(0),
  }),
  /** Sum of the peak resident memory of the coordinator and every site host process. */
  peakMemoryBytes: z.int().min(0),
  memory: z.object({
    processes: z.array(ProcessMemory),
    /** The simulator's own peak (it holds the pooled test data for the final evaluation). */
    simulatorPeakBytes: z.int().min(0),
  }),
});
export type SimulationReport = z.infer<typeof SimulationReport>;

/** Parses a report, throwing an Error that names the first failing field. */
export function parseReport(raw: unknown): SimulationReport {
  const parsed = SimulationReport.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new Error(`report.json: ${formatIssues(parsed.error.issues.slice(0, 1))}`);
}
