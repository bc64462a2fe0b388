import { afterEach, beforeAll } from 'vitest';
import { initBackend } from '../backend.ts';
import type { ModelBatch } from '../batch.ts';
import type { ModelConfig } from '../config.ts';
import type { TriModalModel } from '../model.ts';
import { createModel } from '../model.ts';
import { createRng, normal } from '../rng.ts';

/** A tiny model of any task list and modality mix: trains a few steps in well under a second. */
export const tinyConfig: Partial<ModelConfig> = {
  ehrDim: 5,
  genomicsDim: 7,
  imageShape: [8, 8, 1],
  d: 4,
  ehrHidden: 6,
  genomicsHidden: 6,
  convFilters: [2],
  headHidden: 3,
};

/**
 * For the calling test file: wasm before its tests, every model it made disposed after each test.
 * Returns the factory of tiny models.
 */
export function tinyModelsOnWasm(): (partial: Partial<ModelConfig>) => TriModalModel {
  const models: TriModalModel[] = [];
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
  });
  afterEach(() => models.splice(0).forEach((m) => m.dispose()));
  return (partial) => {
    const created = createModel({ ...tinyConfig, ...partial });
    models.push(created);
    return created;
  };
}

/**
 * Random patients for `config`: each task's label follows EHR feature 0 with noise, about 1 in 6
 * labels missing, both classes in every task. A modality the model leaves out is an empty placeholder
 * whose `present` flag is still 1, as a site holding it would send.
 */
export function anyBatch(config: ModelConfig, options: { n: number; seed: number }): ModelBatch {
  const { n } = options;
  const random = createRng(options.seed);
  const [h, w, c] = config.imageShape;
  const has = (m: ModelConfig['modalities'][number]) => config.modalities.includes(m);
  const values = (width: number) => Float32Array.from({ length: n * width }, () => normal(random));
  const tasks = config.tasks.length;
  const batch: ModelBatch = {
    n,
    ehr: has('ehr') ? values(config.ehrDim) : new Float32Array(0),
    image: has('imaging') ? values(h * w * c) : new Float32Array(0),
    genomics: has('genomics') ? values(config.genomicsDim) : new Float32Array(0),
    present: new Uint8Array(n * 3).fill(1),
    labels: new Float32Array(n * tasks),
  };
  for (let r = 0; r < n; r++) {
    const signal = has('ehr') ? batch.ehr[r * config.ehrDim]! : normal(random);
    for (let t = 0; t < tasks; t++) {
      const missing = r % 6 === (t % 5) + 1;
      batch.labels[r * tasks + t] = missing ? Number.NaN : signal + 0.5 * normal(random) > 0 ? 1 : 0;
    }
  }
  // Rows 0 and 1 fix both classes in every task whatever the noise drew.
  for (let t = 0; t < tasks; t++) {
    batch.labels[t] = 0;
    batch.labels[tasks + t] = 1;
  }
  return batch;
}
