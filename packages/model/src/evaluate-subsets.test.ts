import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { Modality, ModelBatch } from './batch.ts';
import { MODALITIES } from './batch.ts';
import { batchTensors, presentRows } from './batch-tensors.ts';
import { FUSIONS } from './config.ts';
import { evaluateSubsets } from './evaluate.ts';
import { forward } from './forward.ts';
import type { TriModalModel } from './model.ts';
import { anyBatch, tinyModelsOnWasm } from './testing/any-batch.ts';

const tinyModel = tinyModelsOnWasm();

/** The reference: the hidden modalities masked out of the batch itself, the encoders run for this subset alone. */
function scoredAlone(model: TriModalModel, batch: ModelBatch, hide: Modality[]) {
  const rows = Int32Array.from({ length: batch.n }, (_, i) => i);
  const present = presentRows(batch, rows, model.config.modalities).map((v, i) =>
    hide.includes(MODALITIES[i % 3]!) ? 0 : v,
  );
  return tf.tidy(() => {
    const { inputs } = batchTensors(model.config, batch, { rows, present });
    const out = forward(model, inputs, { training: false });
    return {
      predictions: tf.sigmoid(out.logits).dataSync() as Float32Array,
      fused: out.fused.dataSync() as Float32Array,
    };
  });
}

const SUBSETS: Modality[][] = [
  [],
  ['ehr'],
  ['imaging'],
  ['genomics'],
  ['ehr', 'genomics'],
  ['imaging', 'genomics'],
];

describe('evaluateSubsets', () => {
  it('scores every subset from one encoder pass as each subset scored alone, for every fusion', () => {
    for (const fusion of FUSIONS) {
      const model = tinyModel({ tasks: ['t1', 't2'], fusion });
      const batch = anyBatch(model.config, { n: 40, seed: 11 });
      // Some patients lack a modality, so masks and subsets interact.
      for (let r = 0; r < batch.n; r += 5) batch.present[r * 3 + 1 + (r % 2)] = 0;
      const results = evaluateSubsets(model, batch, {
        batchSize: 16,
        subsets: SUBSETS.map((hide) => ({ hide, embeddings: true })),
      });
      SUBSETS.forEach((hide, k) => {
        const alone = scoredAlone(model, batch, hide);
        const got = results[k]!;
        expect(got.predictions.length).toBe(alone.predictions.length);
        const largest = (x: Float32Array, y: Float32Array) =>
          Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));
        expect(
          largest(got.predictions, alone.predictions),
          `${fusion}, ${hide.join('+')} hidden`,
        ).toBeLessThan(1e-5);
        expect(largest(got.embeddings!.values, alone.fused), `${fusion} embeddings`).toBeLessThan(1e-4);
      });
      // Hiding changes the scores: the subsets are not all the same pass.
      expect(results[2]!.predictions).not.toEqual(results[0]!.predictions);
    }
  });

  it("adds each subset's own offsets, and refuses offsets that fit neither the tasks nor the rows", () => {
    const model = tinyModel({ tasks: ['t1', 't2'] });
    const batch = anyBatch(model.config, { n: 12, seed: 3 });
    const [plain, shifted] = evaluateSubsets(model, batch, {
      subsets: [{ hide: 'ehr' }, { hide: 'ehr', logitOffsets: [2, -1] }],
    });
    const logit = (p: number) => Math.log(p / (1 - p));
    shifted!.predictions.forEach((p, i) =>
      expect(logit(p)).toBeCloseTo(logit(plain!.predictions[i]!) + (i % 2 === 0 ? 2 : -1), 3),
    );
    expect(() => evaluateSubsets(model, batch, { subsets: [{}, { logitOffsets: [1, 2, 3] }] })).toThrow(
      /3 logit offsets fit neither 2 tasks nor 12 rows/,
    );
  });
});
