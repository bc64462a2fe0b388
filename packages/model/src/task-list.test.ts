import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { batchTensors, presentRows } from './batch-tensors.ts';
import { FUSIONS } from './config.ts';
import { evaluateModel } from './evaluate.ts';
import { forward } from './forward.ts';
import { lossTerms } from './loss.ts';
import type { TriModalModel } from './model.ts';
import { anyBatch, tinyModelsOnWasm } from './testing/any-batch.ts';
import { trainLocalRound } from './train.ts';
import { getWeights, setWeights } from './weights.ts';

const TASKS = ['mortality', 'sepsis_30d', 'Readmission-90', 'aki', 'delirium', 'x7', 'y8', 'z9'];
const tinyModel = tinyModelsOnWasm();

/** Logits and attention shapes, and the objective's terms, of one forward pass over the whole batch. */
function inspect(m: TriModalModel, batch: ReturnType<typeof anyBatch>) {
  const rows = Int32Array.from({ length: batch.n }, (_, i) => i);
  return tf.tidy(() => {
    const present = presentRows(batch, rows, m.config.modalities);
    const { inputs, targets } = batchTensors(m.config, batch, { rows, present });
    const outputs = forward(m, inputs, { training: false });
    const terms = lossTerms(m, outputs, { targets, options: {} });
    return {
      logits: outputs.logits.shape,
      attention: outputs.attention?.shape,
      task: terms.task.dataSync()[0]!,
    };
  });
}

function trainBriefly(m: TriModalModel, batch: ReturnType<typeof anyBatch>) {
  return trainLocalRound(m, batch, {
    epochs: 2,
    batchSize: 6,
    learningRate: 1e-2,
    seed: 1,
    modalityKeepProb: 0.8,
  });
}

describe('any task list under every fusion (wasm)', () => {
  for (const count of [1, 2, 3, 5, 8]) {
    for (const fusion of FUSIONS) {
      it(`${count} task${count > 1 ? 's' : ''}, ${fusion}: trains, keeps its shapes, evaluates every task`, () => {
        const tasks = TASKS.slice(0, count);
        const m = tinyModel({ fusion, tasks });
        const batch = anyBatch(m.config, { n: 12, seed: count });
        const result = trainBriefly(m, batch);
        expect(result.steps).toBe(4);
        for (const loss of result.lossPerEpoch) expect(loss).toSatisfy(Number.isFinite);
        expect(result.lossTerms.task).toBeGreaterThan(0);
        const { logits, attention } = inspect(m, batch);
        expect(logits).toEqual([12, count]);
        if (fusion === 'hybrid' || fusion === 'attention') expect(attention).toEqual([12, count, 3]);
        const evaluation = evaluateModel(m, batch);
        expect(Object.keys(evaluation.tasks)).toEqual(tasks);
        tasks.forEach((task, t) => {
          const labelled = batch.labels.filter((y, i) => i % count === t && !Number.isNaN(y)).length;
          expect(labelled).toBeLessThan(12);
          expect(evaluation.tasks[task]!.count).toBe(labelled);
          expect(evaluation.tasks[task]!.auc).toSatisfy(Number.isFinite);
        });
      });
    }
  }

  for (const fusion of FUSIONS) {
    it(`${fusion}: a task with no label in the batch adds no loss and its head stays as it was`, () => {
      const m = tinyModel({ fusion, tasks: TASKS.slice(0, 3) });
      const batch = anyBatch(m.config, { n: 12, seed: 9 });
      for (let r = 0; r < batch.n; r++) batch.labels[r * 3 + 1] = Number.NaN;
      const { weights, manifest } = getWeights(m);
      const before = inspect(m, batch).task;
      // Whatever the unlabelled task's head predicts, the task loss is the same.
      const shifted = weights.slice();
      for (const entry of manifest.entries.filter((e) => e.group === 'head.sepsis_30d'))
        shifted.fill(3, entry.offset, entry.offset + entry.length);
      // Late fusion has no heads: the auxiliary heads' column of that task makes its prediction.
      for (const entry of manifest.entries.filter((e) => e.name.endsWith('.aux.bias')))
        shifted[entry.offset + 1] = 5;
      setWeights(m, shifted);
      expect(inspect(m, batch).task).toBeCloseTo(before, 6);
      setWeights(m, weights);
      trainBriefly(m, batch);
      const after = getWeights(m).weights;
      for (const entry of manifest.entries.filter((e) => e.group === 'head.sepsis_30d'))
        expect(after.subarray(entry.offset, entry.offset + entry.length)).toEqual(
          weights.subarray(entry.offset, entry.offset + entry.length),
        );
    });
  }
});
