// `@fedfuse/model/spec`: the model's names, shapes and plain-number helpers without loading tfjs, so the
// client's config, the data package and tests can use them with no mirror. spec.test.ts proves it loads no tfjs.
export { BACKEND_PREFERENCE } from './backend-names.ts';
export type { BackendName } from './backend-names.ts';
export { MODALITIES, validateBatch } from './batch.ts';
export type { Modality, ModelBatch } from './batch.ts';
export {
  DEFAULT_TASKS,
  FUSIONS,
  MODEL_MODALITIES,
  defaultModelConfig,
  resolveModelConfig,
} from './config.ts';
export type { Fusion, ModelConfig, ModelModality } from './config.ts';
export { binaryMetrics, rocAuc } from './metrics.ts';
export type { BinaryMetrics } from './metrics.ts';
export { createRng, normal, shuffledIndices } from './rng.ts';
