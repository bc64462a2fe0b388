import type { Split } from '../loaders/labels.ts';
import type { ModelBatch } from '@fedfuse/model/spec';
import type { FeatureStats, Normalization } from '../stats/feature-stats.ts';
import type { LoadReport } from './load-report.ts';

/** One split's aligned batch and the patient id of each row. */
export interface SiteSplit {
  batch: ModelBatch;
  patientIds: string[];
}

/** A loaded site: its splits aligned into the model's tensors, with everything needed to read them. */
export interface SiteData {
  site: string;
  tasks: string[];
  /** Names of the EHR columns: numeric, `name=level` one-hots, then `name_missing` indicators. */
  ehrFeatureNames: string[];
  /** Number of leading EHR columns that are standardized numeric features. */
  ehrNumericCount: number;
  /** Panel genes, in the order of the genomics columns. */
  genes: string[];
  /** [height, width, channels] of each image. */
  imageShape: [number, number, number];
  train: SiteSplit;
  /** Held out from training to choose the best round; the test split is only scored, never chosen on. */
  validation: SiteSplit;
  test: SiteSplit;
  /** This site's raw statistics over its training split, to share for federated normalization. */
  localStats: FeatureStats;
  /** The normalization the batches currently carry. */
  normalization: { ehr: Normalization; genomics: Normalization };
  report: LoadReport;
}

/** Every split in a fixed order, for loops. */
export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];
