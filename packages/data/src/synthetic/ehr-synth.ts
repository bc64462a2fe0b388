import { NUISANCE_FACTORS, viewIndex } from './latent.ts';
import type { Rng } from './rng.ts';

/** Loadings of a z-scored feature on view factors: `cancer.s`, `metabolic.u`, `n0`... */
type Loadings = Record<string, number>;

/** A numeric lab/vital: z = Σ loading·factor + noise·ε, then mapped to clinical units. */
interface NumericFeature {
  name: string;
  unit: string;
  load: Loadings;
  noise: number;
  /** z-score to value, in the feature's unit. */
  value: (z: number, female: boolean) => number;
  decimals: number;
  /** Chance the cell is blank (missing completely at random). */
  missing: number;
}

/** A categorical feature cut from a latent score at thresholds, lowest level first. */
interface CategoricalFeature {
  name: string;
  levels: string[];
  load: Loadings;
  noise: number;
  cuts: number[];
  missing: number;
}

const lin =
  (base: number, scale: number, lo = Number.NEGATIVE_INFINITY) =>
  (z: number) =>
    Math.max(lo, base + scale * z);
const logn = (median: number, sigma: number) => (z: number) => median * Math.exp(sigma * z);

/**
 * The synthetic EHR: 12 numeric features (+12 missingness indicators) and 3 categorical ones
 * (8 one-hot columns) = 32 encoded columns. Metabolic markers dominate, as EHR is the dominant
 * modality for the metabolic task; cardiac and cancer get fewer, noisier markers.
 */
export const EHR_NUMERIC: readonly NumericFeature[] = [
  {
    name: 'age',
    unit: 'years',
    load: { 'cancer.s': 0.4, 'cardiac.s': 0.3, n0: 0.5 },
    noise: 0.35,
    value: (z) => Math.min(95, Math.max(18, 62 + 11 * z)),
    decimals: 0,
    missing: 0.01,
  },
  {
    name: 'bmi',
    unit: 'kg/m2',
    load: { 'metabolic.s': 0.8, 'metabolic.u': 0.3 },
    noise: 0.25,
    value: lin(27.5, 4.5, 15),
    decimals: 1,
    missing: 0.04,
  },
  {
    name: 'systolic_bp',
    unit: 'mmHg',
    load: { 'cardiac.s': 0.7, 'cardiac.u': 0.3, n0: 0.2 },
    noise: 0.35,
    value: lin(132, 16, 80),
    decimals: 0,
    missing: 0.04,
  },
  {
    name: 'heart_rate',
    unit: 'bpm',
    load: { 'cardiac.u': 0.8 },
    noise: 0.4,
    value: lin(76, 11, 35),
    decimals: 0,
    missing: 0.04,
  },
  {
    name: 'glucose',
    unit: 'mg/dL',
    load: { 'metabolic.s': 0.4, 'metabolic.u': 0.7 },
    noise: 0.25,
    value: lin(105, 22, 50),
    decimals: 0,
    missing: 0.06,
  },
  {
    name: 'hba1c',
    unit: '%',
    load: { 'metabolic.u': 0.8, 'metabolic.s': 0.2 },
    noise: 0.25,
    value: lin(5.9, 0.7, 4),
    decimals: 1,
    missing: 0.1,
  },
  {
    name: 'ldl',
    unit: 'mg/dL',
    load: { 'cardiac.s': 0.5, 'cardiac.u': 0.5 },
    noise: 0.4,
    value: lin(118, 30, 30),
    decimals: 0,
    missing: 0.08,
  },
  {
    name: 'hdl',
    unit: 'mg/dL',
    load: { 'metabolic.s': -0.5, 'cardiac.u': -0.4 },
    noise: 0.45,
    value: (z, f) => Math.max(15, 50 + (f ? 6 : 0) + 12 * z),
    decimals: 0,
    missing: 0.08,
  },
  {
    name: 'triglycerides',
    unit: 'mg/dL',
    load: { 'metabolic.u': 0.6, 'metabolic.s': 0.4 },
    noise: 0.3,
    value: logn(140, 0.3),
    decimals: 0,
    missing: 0.08,
  },
  {
    name: 'crp',
    unit: 'mg/L',
    load: { 'cancer.s': 0.7, 'cancer.u': 0.3 },
    noise: 0.35,
    value: logn(3, 0.35),
    decimals: 1,
    missing: 0.08,
  },
  {
    name: 'hemoglobin',
    unit: 'g/dL',
    load: { 'cancer.u': -0.8, 'cancer.s': -0.2 },
    noise: 0.35,
    value: (z, f) => Math.max(6, 14.2 - (f ? 1.2 : 0) + 1.4 * z),
    decimals: 1,
    missing: 0.05,
  },
  {
    name: 'creatinine',
    unit: 'mg/dL',
    load: { 'cancer.u': 0.5, 'cardiac.s': 0.3, n1: 0.4 },
    noise: 0.4,
    value: lin(1.0, 0.25, 0.3),
    decimals: 2,
    missing: 0.06,
  },
];

/** Categorical EHR features with their declared levels (the site config lists them). */
export const EHR_CATEGORICAL: readonly CategoricalFeature[] = [
  { name: 'sex', levels: ['F', 'M'], load: { n2: 1 }, noise: 0, cuts: [0], missing: 0 },
  {
    name: 'smoking',
    levels: ['never', 'former', 'current'],
    load: { 'cancer.u': 0.6, 'cancer.s': 0.4 },
    noise: 0.4,
    cuts: [0.3, 1.0],
    missing: 0.05,
  },
  {
    name: 'admission',
    levels: ['elective', 'emergency', 'transfer'],
    load: { 'cardiac.s': 0.6, 'cardiac.u': 0.5 },
    noise: 0.4,
    cuts: [0.2, 1.2],
    missing: 0.02,
  },
];

/** Header of the synthetic EHR CSV: `patient_id`, `name [unit]` columns, categoricals. */
export function ehrHeader(): string {
  return [
    'patient_id',
    ...EHR_NUMERIC.map((f) => `${f.name} [${f.unit}]`),
    ...EHR_CATEGORICAL.map((c) => c.name),
  ].join(',');
}

function factor(view: Float64Array, key: string): number {
  if (key.startsWith('n')) return view[6 + (Number(key.slice(1)) % NUISANCE_FACTORS)] as number;
  const [task, kind] = key.split('.') as ['cancer' | 'cardiac' | 'metabolic', 's' | 'u'];
  return view[viewIndex(task, kind)] as number;
}

function score(load: Loadings, view: Float64Array): number {
  let z = 0;
  for (const [key, w] of Object.entries(load)) z += w * factor(view, key);
  return z;
}

/** One CSV row for a patient, rendered from the EHR view of the patient's latent factors. */
export function ehrRow(o: { id: string; view: Float64Array; rng: Rng }): string {
  const { view, rng } = o;
  const cells = [o.id];
  const female = score({ n2: 1 }, view) < 0;
  for (const f of EHR_NUMERIC) {
    const z = score(f.load, view) + f.noise * rng.normal();
    cells.push(rng.bernoulli(f.missing) ? '' : f.value(z, female).toFixed(f.decimals));
  }
  for (const c of EHR_CATEGORICAL) {
    const z = score(c.load, view) + c.noise * rng.normal();
    const level = c.cuts.filter((cut) => z >= cut).length;
    cells.push(rng.bernoulli(c.missing) ? '' : (c.levels[level] ?? ''));
  }
  return cells.join(',');
}
