import * as tf from '@tensorflow/tfjs-core';
import type { Modality, ModelBatch } from './batch.ts';
import { MODALITIES, validateBatch } from './batch.ts';
import { batchTensors, presentRows } from './batch-tensors.ts';
import { forward } from './forward.ts';
import type { BinaryMetrics } from './metrics.ts';
import { binaryMetrics } from './metrics.ts';
import type { TriModalModel } from './model.ts';
import type { SiteIntercepts } from './site-recalibration.ts';

export interface EvaluateOptions {
  /** Modalities to hide from every patient (modality-removal evaluation). */
  hide?: Modality | Modality[];
  batchSize?: number;
  threshold?: number;
  /** Also return the fused representation of each patient (for projections). */
  embeddings?: boolean;
  /**
   * Added to the logits before the sigmoid: one per task (every row) or one per row and task (rows
   * from several sites, each with its own). See site-recalibration.ts.
   */
  logitOffsets?: ArrayLike<number>;
  /** The site's intercepts (`siteIntercepts`): those fitted with the same modalities hidden are added. */
  intercepts?: SiteIntercepts;
}

export interface TaskEvaluation extends BinaryMetrics {
  /** Mean attention weight of each modality over all patients (attention fusions only). */
  attention?: Record<Modality, number>;
}

export interface Evaluation {
  n: number;
  tasks: Record<string, TaskEvaluation>;
  /** n × tasks probabilities. */
  predictions: Float32Array;
  embeddings?: { values: Float32Array; width: number };
}

function hiddenMask(hide: EvaluateOptions['hide']): boolean[] {
  const hidden = hide === undefined ? [] : Array.isArray(hide) ? hide : [hide];
  return MODALITIES.map((m) => hidden.includes(m));
}

/** The offsets to add to a chunk of rows' logits, or none. */
function logitOffsetsFor(
  model: TriModalModel,
  batch: ModelBatch,
  options: EvaluateOptions,
): { slice: (rows: number, start: number, tasks: number) => tf.Tensor } | undefined {
  const tasks = model.config.tasks.length;
  if (options.intercepts && options.logitOffsets)
    throw new Error('evaluateModel: give logitOffsets or intercepts, not both');
  const hidden = options.hide === undefined ? [] : [options.hide].flat();
  const values = options.intercepts ? options.intercepts.offsetsFor(hidden) : options.logitOffsets;
  if (!values) return undefined;
  if (values.length !== tasks && values.length !== batch.n * tasks)
    throw new Error(
      `evaluateModel: ${values.length} logit offsets fit neither ${tasks} tasks nor ${batch.n} rows × ${tasks} tasks`,
    );
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i]!)) throw new Error(`evaluateModel: logit offset ${i} is ${values[i]}`);
  const perRow = values.length !== tasks;
  const flat = Float32Array.from(values);
  return {
    slice: (rows, start, t) =>
      perRow ? tf.tensor2d(flat.subarray(start * t, (start + rows) * t), [rows, t]) : tf.tensor1d(flat),
  };
}

/** Per-task metrics, attention weights and predictions of the model on a batch. */
export function evaluateModel(
  model: TriModalModel,
  batch: ModelBatch,
  options: EvaluateOptions = {},
): Evaluation {
  validateBatch(batch, model.config);
  const tasks = model.config.tasks;
  const size = options.batchSize ?? 256;
  const hidden = hiddenMask(options.hide);
  const offsets = logitOffsetsFor(model, batch, options);
  const predictions = new Float32Array(batch.n * tasks.length);
  const modalities = model.config.modalities;
  const attentionSum = new Float64Array(tasks.length * modalities.length);
  const embeddingChunks: Float32Array[] = [];
  let width = 0;
  let hasAttention = false;
  for (let start = 0; start < batch.n; start += size) {
    const rows = Int32Array.from({ length: Math.min(size, batch.n - start) }, (_, i) => start + i);
    const present = presentRows(batch, rows, modalities).map((v, i) => (hidden[i % 3] ? 0 : v));
    tf.tidy(() => {
      const { inputs } = batchTensors(model.config, batch, { rows, present });
      const out = forward(model, inputs, { training: false });
      const logits = offsets
        ? tf.add(out.logits, offsets.slice(rows.length, start, tasks.length))
        : out.logits;
      predictions.set(tf.sigmoid(logits).dataSync(), start * tasks.length);
      if (out.attention) {
        hasAttention = true;
        tf.sum(out.attention, 0)
          .dataSync()
          .forEach((v, i) => (attentionSum[i] = attentionSum[i]! + v));
      }
      if (options.embeddings) {
        width = out.fused.shape[1];
        embeddingChunks.push(out.fused.dataSync() as Float32Array);
      }
    });
  }
  const result: Evaluation = { n: batch.n, tasks: {}, predictions };
  tasks.forEach((task, t) => {
    const scores = predictions.filter((_, i) => i % tasks.length === t);
    const labels = batch.labels.filter((_, i) => i % tasks.length === t);
    const metrics: TaskEvaluation = binaryMetrics(scores, labels, options.threshold);
    if (hasAttention) {
      // A modality the model leaves out gets no attention: 0.
      const mean = (modality: Modality) => {
        const slot = modalities.indexOf(modality);
        return slot < 0 ? 0 : attentionSum[t * modalities.length + slot]! / Math.max(batch.n, 1);
      };
      metrics.attention = { ehr: mean('ehr'), imaging: mean('imaging'), genomics: mean('genomics') };
    }
    result.tasks[task] = metrics;
  });
  if (options.embeddings) {
    const values = new Float32Array(batch.n * width);
    let offset = 0;
    for (const chunk of embeddingChunks) {
      values.set(chunk, offset);
      offset += chunk.length;
    }
    result.embeddings = { values, width };
  }
  return result;
}

/** The same patients evaluated with all modalities, then with each of the model's modalities hidden. */
export function evaluateModalityRemoval(
  model: TriModalModel,
  batch: ModelBatch,
  options: Pick<EvaluateOptions, 'batchSize' | 'intercepts'> = {},
): { full: Evaluation; removed: Partial<Record<Modality, Evaluation>> } {
  const full = evaluateModel(model, batch, options);
  const removed = Object.fromEntries(
    model.config.modalities.map((m) => [m, evaluateModel(model, batch, { ...options, hide: m })]),
  );
  return { full, removed };
}
