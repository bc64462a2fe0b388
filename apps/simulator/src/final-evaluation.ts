import type { ModelBatch } from '@fedfuse/data';
import {
  evaluateSubsets,
  siteIntercepts,
  type Evaluation,
  type SiteIntercepts,
  type TriModalModel,
} from '@fedfuse/model';
import { pca2 } from './pca.ts';
import type { EmbeddingReport, FinalTaskReport, ModalityValues } from './report-schema.ts';
import { MODALITY_NAMES, allSubsets, shapleyValues, subsetKey, type ModalityName } from './shapley.ts';

/** NaN (undefined for the data) becomes null in the report. */
export function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** The report's `final` block, minus the round number. */
export interface FinalEvaluation {
  numExamples: number;
  meanAuc: number | null;
  tasks: Record<string, FinalTaskReport>;
  embedding: EmbeddingReport;
}

/** At most this many points go into the embedding plot (an even stride over the patients). */
const MAX_POINTS = 1500;

/** Labelled patients of one task in a batch. */
function labelled(batch: ModelBatch, task: number, tasks: number): number {
  let count = 0;
  for (let r = 0; r < batch.n; r++) if (!Number.isNaN(batch.labels[r * tasks + task])) count++;
  return count;
}

/**
 * The sites whose held-out rows make up the evaluated batch, in its order: how many rows each has there
 * and the labelled rows it refits its intercepts on.
 */
export type SiteRecalibration = { rows: number; calibrateOn: ModelBatch }[];

/** Every site's intercepts, fitted once for every modality subset the final evaluation scores. */
type FittedSites = { rows: number; intercepts: SiteIntercepts }[];

function fitSites(model: TriModalModel, sites: SiteRecalibration): FittedSites {
  const hides = allSubsets()
    .filter((subset) => subset.length > 0)
    .map((subset) => MODALITY_NAMES.filter((m) => !subset.includes(m)));
  return sites.map((site) => ({
    rows: site.rows,
    intercepts: siteIntercepts(model, site.calibrateOn, { hides }),
  }));
}

/** Per row of the pooled batch, its site's intercepts for the model scored with `hide` hidden. */
function pooledOffsets(
  model: TriModalModel,
  sites: FittedSites,
  o: { n: number; hide: ModalityName[] },
): Float32Array {
  const tasks = model.config.tasks.length;
  const offsets = new Float32Array(o.n * tasks);
  let at = 0;
  for (const site of sites) {
    const own = site.intercepts.offsetsFor(o.hide);
    for (let r = 0; r < site.rows; r++) offsets.set(own, (at + r) * tasks);
    at += site.rows;
  }
  if (at !== o.n) throw new Error(`the sites' ${at} held-out rows are not the evaluated batch's ${o.n}`);
  return offsets;
}

/**
 * Every non-empty modality subset scored on the batch (the encoders run once for all of them), each row
 * with its site's intercepts when sites are given; the full model's embeddings too. The empty subset is chance.
 */
function subsetEvaluations(
  model: TriModalModel,
  batch: ModelBatch,
  sites: FittedSites | undefined,
): { full: Evaluation; subsets: Map<string, Evaluation | undefined> } {
  const scored = allSubsets().filter((subset) => subset.length > 0);
  const hides = scored.map((subset) => MODALITY_NAMES.filter((m) => !subset.includes(m)));
  const evaluations = evaluateSubsets(model, batch, {
    subsets: hides.map((hide) => ({
      hide,
      ...(hide.length === 0 ? { embeddings: true } : {}),
      ...(sites ? { logitOffsets: pooledOffsets(model, sites, { n: batch.n, hide }) } : {}),
    })),
  });
  const subsets = new Map<string, Evaluation | undefined>([[subsetKey([]), undefined]]);
  scored.forEach((subset, k) => subsets.set(subsetKey(subset), evaluations[k]));
  const full = evaluations[hides.findIndex((hide) => hide.length === 0)];
  if (!full) throw new Error('the final evaluation scored no subset with every modality');
  return { full, subsets };
}

function taskReport(o: {
  task: string;
  index: number;
  taskCount: number;
  batch: ModelBatch;
  full: Evaluation;
  subsets: Map<string, Evaluation | undefined>;
}): FinalTaskReport {
  const metrics = o.full.tasks[o.task];
  const aucOf = (subset: readonly ModalityName[]): number => {
    if (subset.length === 0) return 0.5;
    return o.subsets.get(subsetKey(subset))?.tasks[o.task]?.auc ?? Number.NaN;
  };
  const removed = (m: ModalityName) => {
    const kept = MODALITY_NAMES.filter((x) => x !== m);
    const evaluation = o.subsets.get(subsetKey(kept))?.tasks[o.task];
    return { accuracy: finite(evaluation?.accuracy), auc: finite(evaluation?.auc) };
  };
  const shapley = shapleyValues(aucOf);
  const attention = metrics?.attention;
  return {
    auc: finite(metrics?.auc),
    f1: finite(metrics?.f1),
    precision: finite(metrics?.precision),
    recall: finite(metrics?.recall),
    accuracy: finite(metrics?.accuracy),
    numExamples: labelled(o.batch, o.index, o.taskCount),
    attention: attention
      ? {
          ehr: finite(attention.ehr),
          imaging: finite(attention.imaging),
          genomics: finite(attention.genomics),
        }
      : null,
    shapley: mapValues(shapley),
    subsets: Object.fromEntries(allSubsets().map((s) => [subsetKey(s), finite(aucOf(s))])),
    ablation: {
      imaging_removed: removed('imaging'),
      genomics_removed: removed('genomics'),
      ehr_removed: removed('ehr'),
    },
  };
}

function mapValues(values: Record<ModalityName, number>): ModalityValues {
  return { ehr: finite(values.ehr), imaging: finite(values.imaging), genomics: finite(values.genomics) };
}

/** PCA of the fused representation, with each task's labels for colouring. */
function embeddingReport(o: { full: Evaluation; batch: ModelBatch; tasks: string[] }): EmbeddingReport {
  const embeddings = o.full.embeddings;
  const stride = Math.max(1, Math.ceil(o.batch.n / MAX_POINTS));
  const rows = Array.from({ length: Math.ceil(o.batch.n / stride) }, (_, i) => i * stride);
  if (!embeddings || rows.length < 2) {
    return { method: 'pca', explainedVariance: [0, 0], points: [], labels: {} };
  }
  const { width } = embeddings;
  const values = new Float32Array(rows.length * width);
  rows.forEach((r, i) => values.set(embeddings.values.subarray(r * width, (r + 1) * width), i * width));
  const projection = pca2(values, { n: rows.length, width });
  const labels = Object.fromEntries(
    o.tasks.map((task, t) => [
      task,
      rows.map((r) => {
        const y = o.batch.labels[r * o.tasks.length + t]!;
        return Number.isNaN(y) ? null : y === 1 ? 1 : 0;
      }),
    ]),
  ) as EmbeddingReport['labels'];
  return {
    method: 'pca',
    explainedVariance: projection.explainedVariance,
    points: projection.points,
    labels,
  };
}

/**
 * The final model on the pooled held-out splits of every site: metrics, attention, the 2³ masked
 * evaluations behind the exact modality Shapley values and the removal ablation, and the embedding PCA.
 * With `sites`, every row is scored with its site's intercepts, as the daemons score it.
 */
export function evaluateFinal(
  model: TriModalModel,
  batch: ModelBatch,
  sites?: SiteRecalibration,
): FinalEvaluation {
  const tasks = model.config.tasks;
  const fitted = sites ? fitSites(model, sites) : undefined;
  const { full, subsets } = subsetEvaluations(model, batch, fitted);
  const reports = Object.fromEntries(
    tasks.map((task, index) => [
      task,
      taskReport({ task, index, taskCount: tasks.length, batch, full, subsets }),
    ]),
  );
  const aucs = Object.values(reports).flatMap((r) => (r.auc === null ? [] : [r.auc]));
  return {
    numExamples: batch.n,
    meanAuc: aucs.length > 0 ? aucs.reduce((a, b) => a + b, 0) / aucs.length : null,
    tasks: reports,
    embedding: embeddingReport({ full, batch, tasks }),
  };
}
