import type { ModelBatch } from '@fedfuse/data';
import { evaluateModel, type Evaluation, type TriModalModel } from '@fedfuse/model';
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

/** AUC of every task with only the modalities of each subset visible; the empty subset is chance. */
function subsetAucs(model: TriModalModel, batch: ModelBatch): Map<string, Evaluation | undefined> {
  const out = new Map<string, Evaluation | undefined>();
  for (const subset of allSubsets()) {
    const hide = MODALITY_NAMES.filter((m) => !subset.includes(m));
    out.set(subsetKey(subset), subset.length === 0 ? undefined : evaluateModel(model, batch, { hide }));
  }
  return out;
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
 */
export function evaluateFinal(model: TriModalModel, batch: ModelBatch): FinalEvaluation {
  const tasks = model.config.tasks;
  const full = evaluateModel(model, batch, { embeddings: true });
  const subsets = subsetAucs(model, batch);
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
