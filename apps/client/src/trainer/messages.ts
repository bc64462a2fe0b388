import type { LoadReport } from '@fedfuse/data';
import type {
  FitConfig,
  LossTerms,
  ModelSpec,
  SiteDataSchema,
  TaskEvaluation,
  WeightsManifest,
} from '@fedfuse/protocol';

import type { DataShape } from '../fl/spec-fit.ts';

/** What the worker tells the main thread about the site's data: shapes and counts, never a row. */
export interface DataSummary extends DataShape {
  site: string;
  trainPatients: number;
  validationPatients: number;
  testPatients: number;
  /** Patients per presence combination (`ehr.imaging`, ...), both splits. */
  combinations: Record<string, number>;
  report: LoadReport;
  /** What site:report tells the coordinator about the data's shape (names, hashes, counts). */
  schema: SiteDataSchema;
}

/** Train on the global weights with the round's hyper-parameters. */
export interface TrainRequest {
  spec: ModelSpec;
  manifest: WeightsManifest;
  global: Float32Array;
  config: FitConfig;
}

/** The outcome of local training: the weights delta and the counts and losses FitRes reports. */
export interface TrainOutcome {
  /** trained − global, in the manifest's layout. */
  delta: Float32Array;
  lossPerEpoch: number[];
  /** The last epoch's loss split into its terms. */
  lossTerms: LossTerms;
  numExamples: number;
  groupExamples: Record<string, number>;
  seconds: number;
}

/** Evaluate weights on the site's held-out split. */
export interface EvaluateRequest {
  spec: ModelSpec;
  manifest: WeightsManifest;
  weights: Float32Array;
  tasks: string[];
  bins: number;
  batchSize: number;
  /** The split the site's intercepts are fitted on before scoring; none when absent. */
  recalibrateOn?: 'train' | 'validation';
}

/** Per-task counts, metrics and score histograms: what may leave the site. */
export interface EvaluateOutcome {
  numExamples: number;
  tasks: Record<string, TaskEvaluation>;
  /** The validation split's, which the coordinator selects the best round on. */
  validation: { numExamples: number; tasks: Record<string, TaskEvaluation> };
}

/** Messages from the main thread to the worker. */
export type WorkerRequest =
  | { type: 'load'; id: number; configPath: string }
  | ({ type: 'train'; id: number } & TrainRequest)
  | ({ type: 'evaluate'; id: number } & EvaluateRequest);

/** Messages from the worker to the main thread. */
export type WorkerReply =
  | { type: 'ready'; backend: string }
  | { type: 'fatal'; message: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> }
  | { type: 'progress'; id: number; epoch: number; epochs: number; loss: number }
  | { type: 'done'; id: number; result: DataSummary | TrainOutcome | EvaluateOutcome }
  | { type: 'failed'; id: number; message: string };

/** Data the worker starts with. */
export interface WorkerStartData {
  backend: string;
  /** Training threads: more than one trains data-parallel on replica threads (wasm and cpu backends). */
  threads: number;
}
