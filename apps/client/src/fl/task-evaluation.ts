import type { Evaluation } from '@fedfuse/model';
import type { TaskEvaluation } from '@fedfuse/protocol';

import { scoreHistogram } from './histogram.ts';

/** Metrics every task reports; each is left out when undefined for the data (e.g. AUC with one class). */
const METRICS = ['auc', 'f1', 'precision', 'recall', 'accuracy'] as const;

/**
 * Per-task results as they leave the site: metrics, example counts and score histograms. Predictions are
 * reduced to histogram counts here, inside the process that holds the data.
 */
export function taskEvaluations(options: {
  evaluation: Evaluation;
  /** The same batch evaluated with one modality hidden, by modality; reported as `ablation.<modality>.*`. */
  removed?: Readonly<Record<string, Evaluation>>;
  /** n × modelTasks labels, NaN where missing (the batch the model was evaluated on). */
  labels: Float32Array;
  modelTasks: readonly string[];
  /** Tasks to report, a subset of modelTasks. */
  tasks: readonly string[];
  bins: number;
}): Record<string, TaskEvaluation> {
  const { evaluation, labels, modelTasks, bins } = options;
  const width = modelTasks.length;
  const out: Record<string, TaskEvaluation> = {};
  for (const task of options.tasks) {
    const t = modelTasks.indexOf(task);
    if (t < 0) throw new Error(`task "${task}" is not one of the model's tasks (${modelTasks.join(', ')})`);
    const column = (values: Float32Array) => values.filter((_, i) => i % width === t);
    const histogram = scoreHistogram({
      scores: column(evaluation.predictions),
      labels: column(labels),
      bins,
    });
    const numExamples = sum(histogram.positives) + sum(histogram.negatives);
    const metrics = taskMetrics(evaluation.tasks[task]);
    for (const [modality, without] of Object.entries(options.removed ?? {})) {
      for (const name of ['auc', 'accuracy'] as const) {
        const value = without.tasks[task]?.[name];
        if (value !== undefined && Number.isFinite(value)) metrics[`ablation.${modality}.${name}`] = value;
      }
    }
    out[task] = { numExamples, metrics, histogram };
  }
  return out;
}

function taskMetrics(metrics: Evaluation['tasks'][string] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!metrics) return out;
  for (const name of METRICS) {
    if (Number.isFinite(metrics[name])) out[name] = metrics[name];
  }
  if (metrics.attention) {
    for (const [modality, weight] of Object.entries(metrics.attention)) {
      if (Number.isFinite(weight)) out[`attention.${modality}`] = weight;
    }
  }
  return out;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
