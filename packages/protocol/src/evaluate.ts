import { z } from 'zod';

import { MAX_HISTOGRAM_BINS } from './limits.ts';
import { GlobalModelRef } from './model-ref.ts';
import { ModelSpec } from './model-spec.ts';
import { Count, EpochMs, MetricRecord, Name, Uuid, namedRecord } from './primitives.ts';

/** Evaluation settings: which tasks to score and how finely to bin scores. */
export const EvaluateConfig = z.object({
  batchSize: z.int().min(1).max(65_536),
  tasks: z.array(Name).min(1).max(64),
  /** Equal-width bins over [0, 1] for score histograms. */
  bins: z.int().min(2).max(MAX_HISTOGRAM_BINS),
  /**
   * The site's split each task's intercept is refitted on before scoring (recalibration-in-the-large:
   * the site's own base rate); `validation` when the run trains under record-level DP, so that no
   * training record reaches the reported metrics outside the DP guarantee. Absent: no recalibration.
   */
  recalibrateOn: z.enum(['train', 'validation']).optional(),
});
export type EvaluateConfig = z.infer<typeof EvaluateConfig>;

/** evaluate:start — score the global model on the site's held-out split. */
export const EvaluateIns = z.object({
  runId: Uuid,
  roundId: Uuid,
  roundNumber: z.int().min(1),
  modelSpec: ModelSpec,
  model: GlobalModelRef,
  config: EvaluateConfig,
  deadline: EpochMs,
});
export type EvaluateIns = z.infer<typeof EvaluateIns>;

/**
 * One histogram side: at most MAX_HISTOGRAM_BINS counts, each a non-negative safe integer (as `Count`), checked
 * in one plain loop that names the first bad index. Zod's per-element `z.array(Count)` took ≈ 0.5 ms per 1,000
 * counts (2.6 ms of the coordinator's thread per evaluation of 3 tasks × 1,000 bins, `bench:round`); the loop
 * takes microseconds.
 */
const BinCounts = z
  .custom<number[]>((value) => Array.isArray(value), 'expected an array of counts')
  .superRefine((counts, ctx) => {
    if (counts.length > MAX_HISTOGRAM_BINS) {
      ctx.addIssue({
        code: 'custom',
        message: `expected at most ${MAX_HISTOGRAM_BINS} counts, got ${counts.length}`,
        continue: false,
      });
      return;
    }
    for (let i = 0; i < counts.length; i++) {
      const count: unknown = counts[i];
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
        const message = 'expected a non-negative integer count';
        ctx.addIssue({ code: 'custom', path: [i], message, continue: false });
        return;
      }
    }
  });

/**
 * Counts of positive and negative examples per score bin, so the coordinator can pool an AUC over sites
 * without seeing any single patient's score.
 */
export const ScoreHistogram = z
  .object({
    bins: z.int().min(2).max(MAX_HISTOGRAM_BINS),
    positives: BinCounts,
    negatives: BinCounts,
  })
  .superRefine((h, ctx) => {
    for (const side of ['positives', 'negatives'] as const) {
      if (h[side].length !== h.bins) {
        ctx.addIssue({
          code: 'custom',
          path: [side],
          message: `expected ${h.bins} counts (one per bin), got ${h[side].length}`,
        });
      }
    }
  });
export type ScoreHistogram = z.infer<typeof ScoreHistogram>;

/** One task's evaluation at one site. */
export const TaskEvaluation = z
  .object({
    numExamples: Count,
    metrics: MetricRecord,
    histogram: ScoreHistogram,
  })
  .superRefine((t, ctx) => {
    const binned = sum(t.histogram.positives) + sum(t.histogram.negatives);
    if (binned !== t.numExamples) {
      ctx.addIssue({
        code: 'custom',
        path: ['histogram'],
        message: `histogram holds ${binned} examples but numExamples is ${t.numExamples}`,
      });
    }
  });
export type TaskEvaluation = z.infer<typeof TaskEvaluation>;

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** The same counts, metrics and histograms on the site's validation split, which selects the best round. */
export const ValidationEvaluation = z.object({
  numExamples: Count,
  tasks: namedRecord(TaskEvaluation),
});
export type ValidationEvaluation = z.infer<typeof ValidationEvaluation>;

/** evaluate:submit — per-task metrics, counts and score histograms on the test split (and validation). */
export const EvaluateRes = z
  .object({
    runId: Uuid,
    roundId: Uuid,
    numExamples: Count,
    tasks: namedRecord(TaskEvaluation).refine(
      (r) => Object.keys(r).length >= 1,
      'expected at least one task',
    ),
    /** Absent from a site that predates validation splits: it then takes no part in selecting a round. */
    validation: ValidationEvaluation.optional(),
  })
  .superRefine((res, ctx) => {
    for (const [task, t] of Object.entries(res.tasks)) {
      if (t.numExamples > res.numExamples) {
        ctx.addIssue({
          code: 'custom',
          path: ['tasks', task, 'numExamples'],
          message: `task "${task}" has ${t.numExamples} examples, more than numExamples (${res.numExamples})`,
        });
      }
    }
  });
export type EvaluateRes = z.infer<typeof EvaluateRes>;
