export { MODALITIES, validateBatch } from './batch.ts';
export type { Modality, ModelBatch } from './batch.ts';
export { BACKEND_PREFERENCE, activeBackend, initBackend } from './backend.ts';
export type { BackendInfo, BackendName, BackendOptions } from './backend.ts';
export { DEFAULT_TASKS, FUSIONS, defaultModelConfig, resolveModelConfig } from './config.ts';
export type { Fusion, ModelConfig } from './config.ts';
export { conv2dFilterGradient, conv2dInputGradient } from './conv-gradient.ts';
export { dpSgdEpsilon, dpSgdSteps } from './dp-sgd.ts';
export type { DpSgdEpsilonArgs, DpSgdOptions } from './dp-sgd.ts';
export { dropModalities } from './dropout.ts';
export { evaluateModalityRemoval, evaluateModel, evaluateSubsets } from './evaluate.ts';
export { pretrainImagingRound } from './imaging-pretrain.ts';
export { imagingRepresentations } from './imaging-representations.ts';
export type { RowMatrix } from './imaging-representations.ts';
export type { ImagingPretrainOptions } from './imaging-pretrain.ts';
export { LOSS_TERMS } from './loss.ts';
export type { LossTerm } from './loss.ts';
export type { EvaluateOptions, Evaluation, SubsetScoring, TaskEvaluation } from './evaluate.ts';
export { binaryMetrics, rocAuc } from './metrics.ts';
export type { BinaryMetrics } from './metrics.ts';
export { createModel, parameterGroups } from './model.ts';
export { paramSpecs } from './params.ts';
export {
  INTERCEPT_PRIOR_SD,
  MAX_RECALIBRATION_ROWS,
  fitInterceptOffsets,
  recalibrationRows,
  siteIntercepts,
} from './site-recalibration.ts';
export type { SiteIntercepts } from './site-recalibration.ts';
export type { TriModalModel } from './model.ts';
export {
  TEXTURE_ENERGIES_PER_CHANNEL,
  implausibleTextureSums,
  pooledTextureNorm,
  textureEnergies,
  textureSums,
} from './texture-statistics.ts';
export type { TextureNorm, TextureSums } from './texture-statistics.ts';
export { countGroupExamples, trainLocalRound } from './train.ts';
export type { TrainOptions, TrainResult } from './train.ts';
export { TrainingPool } from './training-pool.ts';
export type { TrainingPoolOptions } from './training-pool.ts';
export { getWeights, hashWeights, layoutOf, setWeights } from './weights.ts';
export type { ManifestEntry, WeightManifest } from './weights.ts';
