import type { ModelBatch } from '../batch.ts';
import type { ModelConfig } from '../config.ts';
import { createRng, normal } from '../rng.ts';

/** A small model configuration that trains in seconds on wasm. */
export const smallConfig: Partial<ModelConfig> = {
  ehrDim: 8,
  genomicsDim: 40,
  imageShape: [16, 16, 1],
  tasks: ['cancer', 'cardiac'],
  d: 16,
  ehrHidden: 16,
  genomicsHidden: 32,
  convFilters: [4, 8],
  headHidden: 8,
};

/**
 * A separable problem: task 0 follows the sign of genomics feature 0, task 1 the brightness of the
 * image's top half, each with a weaker copy of the signal in EHR feature 0 or 1.
 */
export function separableBatch(config: ModelConfig, options: { n: number; seed: number }): ModelBatch {
  const { n } = options;
  const random = createRng(options.seed);
  const [h, w, c] = config.imageShape;
  const batch: ModelBatch = {
    n,
    ehr: new Float32Array(n * config.ehrDim),
    image: new Float32Array(n * h * w * c),
    genomics: new Float32Array(n * config.genomicsDim),
    present: new Uint8Array(n * 3).fill(1),
    labels: new Float32Array(n * config.tasks.length),
  };
  for (let r = 0; r < n; r++) {
    const a = random() < 0.5 ? 1 : 0;
    const b = random() < 0.5 ? 1 : 0;
    for (let j = 0; j < config.ehrDim; j++) batch.ehr[r * config.ehrDim + j] = normal(random);
    for (let j = 0; j < config.genomicsDim; j++) batch.genomics[r * config.genomicsDim + j] = normal(random);
    batch.genomics[r * config.genomicsDim] = (a ? 1.5 : -1.5) + 0.5 * normal(random);
    batch.ehr[r * config.ehrDim] = (a ? 0.5 : -0.5) + normal(random);
    batch.ehr[r * config.ehrDim + 1] = (b ? 0.5 : -0.5) + normal(random);
    for (let p = 0; p < h * w * c; p++) {
      const top = Math.floor(p / (w * c)) < h / 2;
      batch.image[r * h * w * c + p] = 0.3 * random() + (top && b ? 0.6 : 0.1);
    }
    batch.labels[r * config.tasks.length] = a;
    if (config.tasks.length > 1) batch.labels[r * config.tasks.length + 1] = b;
  }
  return batch;
}
