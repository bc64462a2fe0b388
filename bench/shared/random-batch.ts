import type { ModelBatch, ModelConfig } from '@fedfuse/model';

/** A deterministic batch of `n` complete patients (every modality present) for timing training. */
export function randomBatch(config: ModelConfig, n: number, seed: number): ModelBatch {
  let state = seed;
  const next = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const fill = (length: number) => Float32Array.from({ length }, next);
  const [h, w, c] = config.imageShape;
  return {
    n,
    ehr: fill(n * config.ehrDim),
    image: fill(n * h * w * c).map((v) => (v + 1) / 2),
    genomics: fill(n * config.genomicsDim),
    present: new Uint8Array(n * 3).fill(1),
    labels: fill(n * config.tasks.length).map((v) => (v > 0 ? 1 : 0)),
  };
}
