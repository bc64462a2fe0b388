import { extname } from 'node:path';
import { toStringList, type ConfigReader } from './config-reader.ts';

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

/** Validates the `ehr` section of a site config. */
export function readEhrConfig(r: ConfigReader, at: (p: string) => string): EhrConfig {
  r.allowKeys(['format', 'path', 'numeric', 'categorical', 'loinc', 'gender', 'age', 'identifierSystem']);
  const paths = (r.stringOrList('path') ?? []).map(at);
  const first = paths[0];
  if (first === undefined) throw r.error(`'${r.key('path')}' is required`);
  const format = r.oneOf('format', ['csv', 'fhir'] as const) ?? ehrFormatFromPath(first);
  if (format === 'csv' && paths.length !== 1) throw r.error(`'${r.key('path')}' must name one CSV file`);
  const config: EhrConfig = { format, paths };
  const numeric = r.stringList('numeric');
  if (numeric) {
    r.assertUnique('numeric', numeric);
    config.numeric = numeric;
  }
  if (r.has('categorical')) config.categorical = readCategorical(r);
  const clash = config.categorical?.find((c) => numeric?.includes(c.name));
  if (clash) throw r.error(`feature '${clash.name}' is declared both numeric and categorical`);
  if (format === 'fhir') config.fhir = readFhir(r);
  else if (r.has('loinc') || r.has('gender') || r.has('age')) {
    throw r.error(`'loinc', 'gender' and 'age' apply only to format: fhir`);
  }
  return config;
}

function readCategorical(r: ConfigReader): CategoricalSpec[] {
  const raw = r.raw('categorical');
  const fail = (): Error =>
    r.error(`'${r.key('categorical')}' must be a list of names or a mapping of name to its levels`);
  if (Array.isArray(raw)) return toStringList(raw, fail).map((name) => ({ name }));
  const c = r.child('categorical');
  if (!c) throw fail();
  return c.keys().map((name) => {
    const v = c.raw(name);
    if (v === null || v === undefined) return { name };
    const levels = toStringList(v, fail);
    c.assertUnique(name, levels);
    return { name, levels };
  });
}

function readFhir(r: ConfigReader): FhirConfig {
  const loinc = r.child('loinc');
  if (!loinc) throw r.error(`'${r.key('loinc')}' is required for format: fhir (LOINC code: feature)`);
  const mappings = loinc.keys().map((code): LoincMapping => {
    const v = loinc.raw(code);
    if (typeof v === 'string') return { code, feature: v };
    const m = loinc.child(code);
    if (!m) throw loinc.error(`'${loinc.key(code)}' must be a feature name or { feature, unit }`);
    m.allowKeys(['feature', 'unit']);
    const unit = m.string('unit');
    return unit === undefined
      ? { code, feature: m.requiredString('feature') }
      : { code, feature: m.requiredString('feature'), unit };
  });
  const config: FhirConfig = { loinc: mappings };
  const gender = r.string('gender');
  if (gender !== undefined) config.gender = gender;
  const identifierSystem = r.string('identifierSystem');
  if (identifierSystem !== undefined) config.identifierSystem = identifierSystem;
  const age = r.child('age');
  if (age) {
    age.allowKeys(['feature', 'at']);
    const atDate = age.requiredString('at');
    if (Number.isNaN(Date.parse(atDate)))
      throw age.error(`'${age.key('at')}' must be a date like 2025-01-01`);
    config.age = { feature: age.requiredString('feature'), at: atDate };
  }
  return config;
}

/** Guesses the EHR format from a file extension: JSON/NDJSON are FHIR, the rest delimited text. */
export function ehrFormatFromPath(path: string): 'csv' | 'fhir' {
  const ext = extname(path).toLowerCase();
  return ext === '.json' || ext === '.ndjson' || ext === '.jsonl' ? 'fhir' : 'csv';
}
