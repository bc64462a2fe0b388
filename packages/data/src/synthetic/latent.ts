import { MODALITIES, type Modality } from '@fedfuse/model/spec';
import { SYNTHETIC_TASKS, type ResolvedOptions, type SyntheticTask } from './options.ts';
import { Rng, sigmoid } from './rng.ts';
import type { SitePlan } from './site-plan.ts';

/** The modality that carries most of each task's signal (as the seed paper reports). */
export const DOMINANT: Record<SyntheticTask, Modality> = {
  cancer: 'genomics',
  cardiac: 'imaging',
  metabolic: 'ehr',
};
/** The second strongest modality; it interacts with the dominant one. */
export const RUNNER_UP: Record<SyntheticTask, Modality> = {
  cancer: 'imaging',
  cardiac: 'ehr',
  metabolic: 'genomics',
};

/**
 * Liability weights. L_t = shared·s_t + Σ_m w_m·u_{t,m} + interaction·u_{t,dom}·u_{t,runner-up} + noise·ε.
 * Calibrated (see docs/synthetic-data.md) so logistic regression on one modality reaches
 * AUC ≈ 0.70–0.82 and on all three ≈ 0.90–0.93.
 */
export const LIABILITY = {
  shared: 0.45,
  dominant: 1.0,
  runnerUp: 0.8,
  third: 0.8,
  interaction: 0.4,
  noise: 0.3,
  /** Redundant variant: L_t = redundant·s_t + noise·ε, every modality sees the same s_t. */
  redundant: 1.2,
} as const;

/**
 * Standard deviation of the per-patient noise on the latent factors a modality's files are
 * rendered from: the imperfect view a lab panel, a scan or an expression profile gives. A small
 * CNN reads the rendered image factors almost perfectly while an MLP on 32 EHR columns or a
 * denoising encoder on 2000 genes needs more patients, so the image views of the tasks imaging
 * does not dominate are blurred more: the dominant modality stays dominant for the real model.
 */
export const VIEW_NOISE: Record<Modality, Record<SyntheticTask, number>> = {
  ehr: { cancer: 0.25, cardiac: 0.25, metabolic: 0.2 },
  imaging: { cancer: 0.4, cardiac: 0.25, metabolic: 0.45 },
  genomics: { cancer: 0.2, cardiac: 0.25, metabolic: 0.25 },
};

/** One synthetic patient: latent factors, labels, presence and split. */
export interface SyntheticPatient {
  id: string;
  /** s_t per task. */
  shared: Float64Array;
  /** u_{t,m} at index t·3 + m (modality order ehr, imaging, genomics). */
  specific: Float64Array;
  /** Label-free factors (age drift, co-expression programmes). */
  nuisance: Float64Array;
  liability: Float64Array;
  /** 0/1 per task; NaN where the label cell is left blank. */
  labels: number[];
  present: Record<Modality, boolean>;
  split: 'train' | 'test';
}

/** Number of nuisance factors per patient. */
export const NUISANCE_FACTORS = 6;

/** Draws a site's patients: latents, liabilities, labels at the site's prevalence, presence, split. */
export function drawSitePatients(plan: SitePlan, options: ResolvedOptions): SyntheticPatient[] {
  const rng = Rng.derive(options.seed, 'site', plan.index, 'latent');
  const patients: SyntheticPatient[] = [];
  for (let i = 0; i < plan.patients; i++) {
    const shared = Float64Array.from(SYNTHETIC_TASKS, () => rng.normal());
    const specific = Float64Array.from({ length: 9 }, () => rng.normal());
    const nuisance = Float64Array.from({ length: NUISANCE_FACTORS }, () => rng.normal());
    const liability = Float64Array.from(SYNTHETIC_TASKS, (task, t) =>
      liabilityOf({ task, t, shared, specific, noise: rng.normal(), variant: options.variant }),
    );
    const id = `${plan.idPrefix}${String(i + 1).padStart(5, '0')}`;
    const present = { ehr: true, imaging: true, genomics: true };
    patients.push({ id, shared, specific, nuisance, liability, labels: [], present, split: 'train' });
  }
  assignLabels(patients, plan, options);
  assignPresence(patients, plan, options);
  const test = Math.round(plan.patients * options.testFraction);
  for (const p of Rng.derive(options.seed, 'site', plan.index, 'split').shuffle(patients).slice(0, test))
    p.split = 'test';
  return patients;
}

function liabilityOf(o: {
  task: SyntheticTask;
  t: number;
  shared: Float64Array;
  specific: Float64Array;
  noise: number;
  variant: ResolvedOptions['variant'];
}): number {
  const s = o.shared[o.t] as number;
  if (o.variant === 'redundant') return LIABILITY.redundant * s + LIABILITY.noise * o.noise;
  const u = (m: Modality): number => o.specific[o.t * 3 + MODALITIES.indexOf(m)] as number;
  const dom = DOMINANT[o.task];
  const runner = RUNNER_UP[o.task];
  const third = MODALITIES.find((m) => m !== dom && m !== runner) ?? 'ehr';
  return (
    LIABILITY.shared * s +
    LIABILITY.dominant * u(dom) +
    LIABILITY.runnerUp * u(runner) +
    LIABILITY.third * u(third) +
    LIABILITY.interaction * u(dom) * u(runner) +
    LIABILITY.noise * o.noise
  );
}

/** Thresholds each task's liability at the site's own quantile, so prevalence is exact per site. */
function assignLabels(patients: SyntheticPatient[], plan: SitePlan, options: ResolvedOptions): void {
  const rng = Rng.derive(options.seed, 'site', plan.index, 'label-blanks');
  SYNTHETIC_TASKS.forEach((task, t) => {
    const sorted = patients.map((p) => p.liability[t] as number).sort((a, b) => a - b);
    const positives = Math.round(plan.prevalence[task] * patients.length);
    const threshold = sorted[patients.length - positives] ?? Number.POSITIVE_INFINITY;
    for (const p of patients) p.labels[t] = (p.liability[t] as number) >= threshold ? 1 : 0;
  });
  for (const p of patients) {
    p.labels = p.labels.map((y) => (rng.bernoulli(options.labelMissingRate) ? Number.NaN : y));
  }
}

/**
 * Missing modalities at the site's rates. Imaging is informative: a patient with a higher
 * shared cardiac factor (a suspected cardiac case) is more likely to have been scanned.
 */
function assignPresence(patients: SyntheticPatient[], plan: SitePlan, options: ResolvedOptions): void {
  const rng = Rng.derive(options.seed, 'site', plan.index, 'presence');
  const cardiac = SYNTHETIC_TASKS.indexOf('cardiac');
  const kappa = options.noiseModality === 'imaging' ? 0 : options.imagingForSuspectedCardiac;
  const logit = (p: number): number => Math.log(p / (1 - p));
  for (const p of patients) {
    p.present.ehr = !rng.bernoulli(plan.missingRates.ehr);
    const imagingOdds = logit(1 - plan.missingRates.imaging) + kappa * (p.shared[cardiac] as number);
    p.present.imaging = rng.bernoulli(sigmoid(imagingOdds));
    p.present.genomics = !rng.bernoulli(plan.missingRates.genomics);
  }
}

/**
 * What a modality's files are rendered from: per task [s_t, u_{t,m}] plus the nuisance
 * factors, each with view noise. The negative-control modality gets fresh noise instead.
 */
export function modalityView(o: {
  patient: SyntheticPatient;
  modality: Modality;
  rng: Rng;
  options: ResolvedOptions;
}): Float64Array {
  const { patient, modality, rng } = o;
  const m = MODALITIES.indexOf(modality);
  const view = new Float64Array(6 + NUISANCE_FACTORS);
  const fresh = o.options.noiseModality === modality;
  for (let t = 0; t < 3; t++) {
    const noise = VIEW_NOISE[modality][SYNTHETIC_TASKS[t] as SyntheticTask];
    const s = fresh ? rng.normal() : (patient.shared[t] as number);
    const u = fresh ? rng.normal() : (patient.specific[t * 3 + m] as number);
    view[t * 2] = s + noise * rng.normal();
    view[t * 2 + 1] = u + noise * rng.normal();
  }
  for (let k = 0; k < NUISANCE_FACTORS; k++)
    view[6 + k] = fresh ? rng.normal() : (patient.nuisance[k] as number);
  return view;
}

/** Index of a task's shared (`s`) or modality-specific (`u`) factor in a modality view. */
export function viewIndex(task: SyntheticTask, kind: 's' | 'u'): number {
  return SYNTHETIC_TASKS.indexOf(task) * 2 + (kind === 's' ? 0 : 1);
}
