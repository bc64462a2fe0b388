import { extname } from 'node:path';
import { z } from 'zod';
import { choice, optional, strictMapping, text, uniqueList } from './schema-parts.ts';

/** A categorical EHR feature; declared levels fix its one-hot columns across sites. */
export interface CategoricalSpec {
  name: string;
  levels?: string[];
}

/** A LOINC code mapped to an EHR feature, with the unit the site must report it in. */
export interface LoincMapping {
  code: string;
  feature: string;
  unit?: string;
}

/** FHIR-only settings: the LOINC map and optional Patient fields used as features. */
export interface FhirConfig {
  loinc: LoincMapping[];
  /** Feature name for Patient.gender (categorical), if used. */
  gender?: string;
  /** Feature name for the age in years computed from Patient.birthDate at `ageAt`. */
  age?: { feature: string; at: string };
  /** Use Patient.identifier with this system as patient_id instead of Patient.id. */
  identifierSystem?: string;
}

/** The EHR source: a CSV/TSV table or FHIR R4 resources, and the declared feature schema. */
export interface EhrConfig {
  format: 'csv' | 'fhir';
  paths: string[];
  numeric?: string[];
  categorical?: CategoricalSpec[];
  fhir?: FhirConfig;
}

const loincTarget = z.union([text, strictMapping({ feature: text, unit: optional(text) })], {
  error: 'must be a feature name or { feature, unit }',
});

const categorical = z.union([z.array(text), z.record(z.string(), optional(uniqueList))], {
  error: 'must be a list of names or a mapping of name to its levels',
});

const FHIR_ONLY = ['loinc', 'gender', 'age', 'identifierSystem'] as const;

/** The `ehr` section as written in site.yaml, before paths are resolved and defaults filled. */
export const EhrSection = strictMapping({
  format: optional(choice(['csv', 'fhir'])),
  path: z.union([text, z.array(text).min(1)], { error: 'must be a file name or a list of file names' }),
  numeric: optional(uniqueList),
  categorical: optional(categorical),
  loinc: optional(z.record(z.string(), loincTarget, { error: 'must be a mapping of LOINC code to feature' })),
  gender: optional(text),
  identifierSystem: optional(text),
  age: optional(
    strictMapping({
      feature: text,
      at: text.refine((d) => !Number.isNaN(Date.parse(d)), { error: 'must be a date like 2025-01-01' }),
    }),
  ),
}).superRefine((ehr, ctx) => {
  const paths = typeof ehr.path === 'string' ? [ehr.path] : ehr.path;
  const format = ehr.format ?? ehrFormatFromPath(paths[0] ?? '');
  const fail = (path: string, message: string): void =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  if (format === 'csv' && paths.length !== 1) fail('path', 'must name one CSV file');
  if (format === 'fhir' && !ehr.loinc) fail('loinc', 'is required for format: fhir (LOINC code: feature)');
  if (format === 'csv') {
    for (const key of FHIR_ONLY) if (ehr[key] !== undefined) fail(key, 'applies only to format: fhir');
  }
  const names = Array.isArray(ehr.categorical) ? ehr.categorical : Object.keys(ehr.categorical ?? {});
  const clash = names.find((name) => ehr.numeric?.includes(name));
  if (clash) fail('categorical', `names '${clash}', which numeric names too: a feature is one or the other`);
});
export type EhrSection = z.output<typeof EhrSection>;

/** Turns a validated `ehr` section into the loader's config, resolving paths with `at`. */
export function toEhrConfig(ehr: EhrSection, at: (p: string) => string): EhrConfig {
  const paths = (typeof ehr.path === 'string' ? [ehr.path] : ehr.path).map(at);
  const format = ehr.format ?? ehrFormatFromPath(paths[0] ?? '');
  const config: EhrConfig = { format, paths };
  if (ehr.numeric) config.numeric = ehr.numeric;
  if (ehr.categorical) config.categorical = toCategorical(ehr.categorical);
  if (format === 'fhir') config.fhir = toFhirConfig(ehr);
  return config;
}

function toCategorical(c: NonNullable<EhrSection['categorical']>): CategoricalSpec[] {
  if (Array.isArray(c)) return c.map((name) => ({ name }));
  return Object.entries(c).map(([name, levels]) => (levels ? { name, levels } : { name }));
}

function toFhirConfig(ehr: EhrSection): FhirConfig {
  const loinc = Object.entries(ehr.loinc ?? {}).map(([code, target]): LoincMapping => {
    if (typeof target === 'string') return { code, feature: target };
    return target.unit === undefined
      ? { code, feature: target.feature }
      : { code, feature: target.feature, unit: target.unit };
  });
  const config: FhirConfig = { loinc };
  if (ehr.gender !== undefined) config.gender = ehr.gender;
  if (ehr.identifierSystem !== undefined) config.identifierSystem = ehr.identifierSystem;
  if (ehr.age) config.age = { feature: ehr.age.feature, at: ehr.age.at };
  return config;
}

/** Guesses the EHR format from a file extension: JSON/NDJSON are FHIR, the rest delimited text. */
function ehrFormatFromPath(path: string): 'csv' | 'fhir' {
  const ext = extname(path).toLowerCase();
  return ext === '.json' || ext === '.ndjson' || ext === '.jsonl' ? 'fhir' : 'csv';
}
