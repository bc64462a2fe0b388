import * as tf from '@tensorflow/tfjs-core';
import type { Modality, ModelBatch } from './batch.ts';
import { validateBatch } from './batch.ts';
import { batchTensors, presentRows } from './batch-tensors.ts';
import { forwardSubsets, type ForwardOutputs } from './forward.ts';
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

/** One way of scoring the batch in {@link evaluateSubsets}: which modalities are hidden, and its offsets. */
export interface SubsetScoring {
  hide?: Modality | Modality[];
  /** Added to the logits, as EvaluateOptions.logitOffsets. */
  logitOffsets?: ArrayLike<number>;
  /** Also return the fused representation of each patient. */
  embeddings?: boolean;
}

const hiddenOf = (hide: SubsetScoring['hide']): Modality[] => (hide === undefined ? [] : [hide].flat());

/** The offsets of one subset, checked: one per task (every row) or one per row and task. */
function checkedOffsets(o: {
  values: ArrayLike<number> | undefined;
  tasks: number;
  n: number;
}): { slice: (rows: number, start: number) => tf.Tensor } | undefined {
  const { values, tasks, n } = o;
  if (!values) return undefined;
  if (values.length !== tasks && values.length !== n * tasks)
    throw new Error(
      `evaluateModel: ${values.length} logit offsets fit neither ${tasks} tasks nor ${n} rows × ${tasks} tasks`,
    );
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i]!)) throw new Error(`evaluateModel: logit offset ${i} is ${values[i]}`);
  const perRow = values.length !== tasks;
  const flat = Float32Array.from(values);
  return {
    slice: (rows, start) =>
      perRow
        ? tf.tensor2d(flat.subarray(start * tasks, (start + rows) * tasks), [rows, tasks])
        : tf.tensor1d(flat),
  };
}

/** What one subset gathers over the chunks of the batch. */
class SubsetTally {
  readonly predictions: Float32Array;
  readonly attentionSum: Float64Array;
  hasAttention = false;
  readonly embeddingChunks: Float32Array[] = [];
  width = 0;

  constructor(
    readonly scoring: { hidden: Modality[]; offsets: ReturnType<typeof checkedOffsets>; embeddings: boolean },
    size: { n: number; tasks: number; modalities: number },
  ) {
    this.predictions = new Float32Array(size.n * size.tasks);
    this.attentionSum = new Float64Array(size.tasks * size.modalities);
  }

  add(out: ForwardOutputs, chunk: { start: number; rows: number; tasks: number }): void {
    const { offsets } = this.scoring;
    const logits = offsets ? tf.add(out.logits, offsets.slice(chunk.rows, chunk.start)) : out.logits;
    this.predictions.set(tf.sigmoid(logits).dataSync(), chunk.start * chunk.tasks);
    if (out.attention) {
      this.hasAttention = true;
      tf.sum(out.attention, 0)
        .dataSync()
        .forEach((v, i) => (this.attentionSum[i] = this.attentionSum[i]! + v));
    }
    if (this.scoring.embeddings) {
      this.width = out.fused.shape[1];
      this.embeddingChunks.push(out.fused.dataSync() as Float32Array);
    }
  }
}

/**
 * The same patients scored once per modality subset: the encoders run once per chunk of rows for all
 * subsets (hiding a modality only changes the fusion's input, `forward`'s `encoded`), so k subsets cost
 * about one encoder pass, not k. Each subset's result is what evaluateModel gives with its `hide`.
 */
export function evaluateSubsets(
  model: TriModalModel,
  batch: ModelBatch,
  options: Pick<EvaluateOptions, 'batchSize' | 'threshold' | 'intercepts'> & { subsets: SubsetScoring[] },
): Evaluation[] {
  validateBatch(batch, model.config);
  const { modalities, tasks } = model.config;
  const size = options.batchSize ?? 256;
  const tallies = options.subsets.map((subset) => {
    const hidden = hiddenOf(subset.hide);
    if (options.intercepts && subset.logitOffsets)
      throw new Error('evaluateModel: give logitOffsets or intercepts, not both');
    const values = options.intercepts ? options.intercepts.offsetsFor(hidden) : subset.logitOffsets;
    const offsets = checkedOffsets({ values, tasks: tasks.length, n: batch.n });
    return new SubsetTally(
      { hidden, offsets, embeddings: subset.embeddings === true },
      { n: batch.n, tasks: tasks.length, modalities: modalities.length },
    );
  });
  for (let start = 0; start < batch.n; start += size) {
    const rows = Int32Array.from({ length: Math.min(size, batch.n - start) }, (_, i) => start + i);
    const present = presentRows(batch, rows, modalities);
    tf.tidy(() => {
      const { inputs } = batchTensors(model.config, batch, { rows, present });
      forwardSubsets(model, inputs, {
        hides: tallies.map((tally) => tally.scoring.hidden),
        use: (out, k) => tallies[k]!.add(out, { start, rows: rows.length, tasks: tasks.length }),
      });
    });
  }
  return tallies.map((tally) => summarise(model, batch, { tally, threshold: options.threshold }));
}

/** A subset's per-task metrics and attention, and its predictions and embeddings. */
function summarise(
  model: TriModalModel,
  batch: ModelBatch,
  o: { tally: SubsetTally; threshold: number | undefined },
): Evaluation {
  const { tally } = o;
  const { tasks, modalities } = model.config;
  const result: Evaluation = { n: batch.n, tasks: {}, predictions: tally.predictions };
  tasks.forEach((task, t) => {
    const scores = tally.predictions.filter((_, i) => i % tasks.length === t);
    const labels = batch.labels.filter((_, i) => i % tasks.length === t);
    const metrics: TaskEvaluation = binaryMetrics(scores, labels, o.threshold);
    if (tally.hasAttention) {
      // A modality the model leaves out gets no attention: 0.
      const mean = (modality: Modality) => {
        const slot = modalities.indexOf(modality);
        return slot < 0 ? 0 : tally.attentionSum[t * modalities.length + slot]! / Math.max(batch.n, 1);
      };
      metrics.attention = { ehr: mean('ehr'), imaging: mean('imaging'), genomics: mean('genomics') };
    }
    result.tasks[task] = metrics;
  });
  if (tally.scoring.embeddings) {
    const values = new Float32Array(batch.n * tally.width);
    let offset = 0;
    for (const chunk of tally.embeddingChunks) {
      values.set(chunk, offset);
      offset += chunk.length;
    }
    result.embeddings = { values, width: tally.width };
  }
  return result;
}

/** Per-task metrics, attention weights and predictions of the model on a batch. */
export function evaluateModel(
  model: TriModalModel,
  batch: ModelBatch,
  options: EvaluateOptions = {},
): Evaluation {
  const { hide, logitOffsets, embeddings, ...shared } = options;
  const subset = {
    ...(hide !== undefined ? { hide } : {}),
    ...(logitOffsets ? { logitOffsets } : {}),
    ...(embeddings ? { embeddings } : {}),
  };
  return evaluateSubsets(model, batch, { ...shared, subsets: [subset] })[0]!;
}

/** The same patients evaluated with all modalities, then with each of the model's modalities hidden. */
export function evaluateModalityRemoval(
  model: TriModalModel,
  batch: ModelBatch,
  options: Pick<EvaluateOptions, 'batchSize' | 'intercepts'> = {},
): { full: Evaluation; removed: Partial<Record<Modality, Evaluation>> } {
  const { modalities } = model.config;
  const [full, ...each] = evaluateSubsets(model, batch, {
    ...options,
    subsets: [{}, ...modalities.map((hide) => ({ hide }))],
  });
  const removed = Object.fromEntries(modalities.map((m, i) => [m, each[i]!]));
  return { full: full!, removed };
}
