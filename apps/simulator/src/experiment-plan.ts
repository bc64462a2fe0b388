import type { SimulationInput } from './options.ts';

/** One federated run of the study. */
export interface PlannedRun {
  name: string;
  /** Which federation it trains on (runs on the same one share the generated sites). */
  data: 'default' | 'iid' | 'skewed';
  /** Options on top of the preset's base options. */
  options: Partial<SimulationInput>;
}

/** Label-skew α of the strongly non-IID federation (the default one uses the generator's 20). */
export const STRONG_SKEW = 1;

/**
 * The `paper` preset: the seed paper's fusion comparison (Table 1) and modality removal (Table 2),
 * federated, plus what the paper did not measure: federated vs centralized vs local-only training,
 * IID vs non-IID sites, and FedAvg vs FedProx vs FedAdam. Every run uses the `run` defaults otherwise.
 */
export const PAPER_RUNS: PlannedRun[] = [
  { name: 'hybrid', data: 'default', options: { fusion: 'hybrid' } },
  { name: 'early', data: 'default', options: { fusion: 'early' } },
  { name: 'late', data: 'default', options: { fusion: 'late' } },
  { name: 'concat', data: 'default', options: { fusion: 'concat' } },
  { name: 'iid', data: 'iid', options: { iid: true } },
  { name: 'skewed', data: 'skewed', options: { labelSkew: STRONG_SKEW } },
  { name: 'fedprox', data: 'default', options: { strategy: 'fedprox' } },
  { name: 'fedadam', data: 'default', options: { strategy: 'fedadam' } },
];

/**
 * The clip of the privacy preset: about the median honest delta norm of its setup (3 sites × 300 patients,
 * 1 local epoch: 1.9–4.5, median 3.4, measured without DP), so about half the updates are clipped.
 */
const PRIVACY_CLIP = 3;

/** Record-level DP-SGD's row of the privacy preset: Opacus' usual C = 1, z = 1.1, δ = 1e-5 at every site. */
const PRIVACY_DP_SGD_RUN = 'dp-sgd-z-1.1';

/** The preset's noise multipliers, each run with central noise and again under secure aggregation. */
const PRIVACY_NOISE_MULTIPLIERS = [0.003, 0.01, 0.03, 0.1, 1];

/**
 * The `privacy` preset: DP-FedAvg's privacy–utility trade-off on one federation, the same run without DP
 * and with a few noise multipliers (fixed clip, every site each round, δ = 1e-5), the same again under
 * secure aggregation (`sa-*`: no dropouts tolerated, the sites add the noise as distributed Skellam), and one
 * run of record-level DP-SGD at the sites instead (about 3.5× slower training).
 */
export const PRIVACY_RUNS: PlannedRun[] = [
  { name: 'no-dp', data: 'default', options: {} },
  ...PRIVACY_NOISE_MULTIPLIERS.map((z): PlannedRun => ({
    name: `z-${z}`,
    data: 'default',
    options: { dpClip: PRIVACY_CLIP, dpNoiseMultiplier: z, dpDelta: 1e-5 },
  })),
  { name: 'sa-no-dp', data: 'default', options: { secureAggregation: 0 } },
  ...PRIVACY_NOISE_MULTIPLIERS.map((z): PlannedRun => ({
    name: `sa-z-${z}`,
    data: 'default',
    options: { secureAggregation: 0, dpClip: PRIVACY_CLIP, dpNoiseMultiplier: z, dpDelta: 1e-5 },
  })),
  {
    name: PRIVACY_DP_SGD_RUN,
    data: 'default',
    options: { dpRecordLevel: true, dpRecordClip: 1, dpRecordNoise: 1.1, dpRecordDelta: 1e-5 },
  },
];

/** The seed paper's Table 1 (fusion strategies; mean over its tasks). */
export const PAPER_TABLE_1: Record<string, { auc: number; f1: number; precision: number; recall: number }> = {
  early: { auc: 0.88, f1: 0.82, precision: 0.8, recall: 0.83 },
  late: { auc: 0.87, f1: 0.81, precision: 0.79, recall: 0.82 },
  hybrid: { auc: 0.92, f1: 0.86, precision: 0.85, recall: 0.87 },
};

/** The seed paper's Table 2 (accuracy per task with one modality removed at inference). */
export const PAPER_TABLE_2: Record<string, Record<string, number>> = {
  none: { cancer: 0.92, cardiac: 0.88, metabolic: 0.89 },
  imaging: { cancer: 0.86, cardiac: 0.8, metabolic: 0.84 },
  genomics: { cancer: 0.83, cardiac: 0.81, metabolic: 0.8 },
  ehr: { cancer: 0.85, cardiac: 0.82, metabolic: 0.83 },
};
