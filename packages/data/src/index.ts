export { MODALITIES, type Modality, type ModelBatch } from '@fedfuse/model/spec';
export { SiteDataError, formatRejection, type Rejection, type Source } from './errors.ts';
export {
  DEFAULT_IMAGE_SHAPE,
  DEFAULT_TASKS,
  loadSiteConfig,
  parseSiteConfig,
  type GenomicsConfig,
  type ImagingConfig,
  type LabelsConfig,
  type MatrixOrientation,
  type ResizeMethod,
  type SiteConfig,
} from './config/site-config.ts';
export type { CategoricalSpec, EhrConfig, FhirConfig, LoincMapping } from './config/ehr-config.ts';
export { loadSite, type LoadSiteOptions } from './align/load-site.ts';
export type { SiteData, SiteSplit } from './align/site-data.ts';
export { formatLoadReport, type LoadReport, type SplitCounts } from './align/load-report.ts';
export { PRESENCE_KEYS, presenceKey, type PresenceKey } from './align/presence.ts';
export { applyFeatureStats } from './align/normalize-site.ts';
export {
  mergeFeatureStats,
  toNormalization,
  type FeatureStats,
  type Normalization,
  type StatBlock,
} from './stats/feature-stats.ts';
export type { Split } from './loaders/labels.ts';
export { generate, type GeneratedFederation, type GeneratedSite } from './synthetic/generate.ts';
export {
  IMAGE_FAMILIES,
  SYNTHETIC_TASKS,
  type GenerateOptions,
  type ImageFamily,
  type SignalVariant,
  type SyntheticTask,
} from './synthetic/options.ts';
export { DOMINANT, LIABILITY, RUNNER_UP, VIEW_NOISE } from './synthetic/latent.ts';
export type { Scanner } from './synthetic/site-plan.ts';
export { calibrate, type CalibrationRow, type CalibrateOptions } from './eval/calibration.ts';
export { fitLogistic, predictLogits, type Design, type LogisticModel } from './eval/logistic-regression.ts';
export { buildDesign, type FeatureSet } from './eval/feature-sets.ts';
export { concatBatches, selectRows, type SelectRowsOptions } from './align/batch-ops.ts';
export { encodePng } from './synthetic/png-writer.ts';
