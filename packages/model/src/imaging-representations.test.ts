import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { resolveModelConfig } from './config.ts';
import { evaluateModel } from './evaluate.ts';
import { imagingRepresentations } from './imaging-representations.ts';
import type { TriModalModel } from './model.ts';
import { createModel } from './model.ts';
import { separableBatch, smallConfig } from './testing/fixtures.ts';

const models: TriModalModel[] = [];
beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});
afterEach(() => models.splice(0).forEach((m) => m.dispose()));

describe('imagingRepresentations', () => {
  it("gives the projection's input and the embedding it makes of every row, across mini-batches", () => {
    const model = createModel(resolveModelConfig({ ...smallConfig, fusion: 'concat', seed: 3 }));
    models.push(model);
    const batch = separableBatch(model.config, { n: 7, seed: 5 });
    const tensors = tf.memory().numTensors;
    const { features, embedding } = imagingRepresentations(model, batch, { batchSize: 3 });
    expect(tf.memory().numTensors).toBe(tensors);

    // The embedding is ReLU(features · W + b) with the model's own projection, row by row.
    const kernel = model.param('imaging.project.kernel').arraySync() as number[][];
    const bias = model.param('imaging.project.bias').arraySync() as number[];
    expect(features.width).toBe(kernel.length);
    expect(embedding.width).toBe(model.config.d);
    for (let r = 0; r < batch.n; r++)
      for (let j = 0; j < embedding.width; j++) {
        let sum = bias[j]!;
        for (let k = 0; k < features.width; k++)
          sum += features.values[r * features.width + k]! * kernel[k]![j]!;
        expect(embedding.values[r * embedding.width + j]).toBeCloseTo(Math.max(sum, 0), 4);
      }

    // … and is what the fused model reads for imaging: concat fusion's imaging block, other modalities hidden.
    const fused = evaluateModel(model, batch, { hide: ['ehr', 'genomics'], embeddings: true }).embeddings!;
    const slot = model.config.modalities.indexOf('imaging');
    for (let r = 0; r < batch.n; r++)
      for (let j = 0; j < embedding.width; j++)
        expect(fused.values[r * fused.width + slot * model.config.d + j]).toBeCloseTo(
          embedding.values[r * embedding.width + j]!,
          5,
        );
  });
});
