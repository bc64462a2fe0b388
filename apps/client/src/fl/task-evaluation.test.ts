import type { Evaluation } from '@fedfuse/model';
import { describe, expect, it } from 'vitest';

import { taskEvaluations } from './task-evaluation.ts';

function evaluation(auc: number, accuracy: number): Evaluation {
  const metrics = { auc, accuracy, f1: Number.NaN, precision: 0.5, recall: 0.5 };
  return {
    n: 4,
    predictions: new Float32Array([0.9, 0.1, 0.8, 0.2]),
    tasks: { cancer: metrics },
  } as unknown as Evaluation;
}

describe(taskEvaluations.name, () => {
  it('reports each removed modality as ablation.<modality>.auc and .accuracy, and drops undefined metrics', () => {
    const out = taskEvaluations({
      evaluation: evaluation(0.9, 0.75),
      removed: { imaging: evaluation(0.6, 0.5), genomics: evaluation(Number.NaN, 0.25) },
      labels: new Float32Array([1, 0, 1, 0]),
      modelTasks: ['cancer'],
      tasks: ['cancer'],
      bins: 4,
    });
    expect(out.cancer!.metrics).toEqual({
      auc: 0.9,
      accuracy: 0.75,
      precision: 0.5,
      recall: 0.5,
      'ablation.imaging.auc': 0.6,
      'ablation.imaging.accuracy': 0.5,
      'ablation.genomics.accuracy': 0.25,
    });
    expect(out.cancer!.histogram).toEqual({ bins: 4, positives: [0, 0, 0, 2], negatives: [2, 0, 0, 0] });
  });
});
