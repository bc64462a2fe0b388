import type { FhirConfig } from '../config/ehr-config.ts';
import type { Rejection } from '../errors.ts';
import { assertRejectedFraction } from '../io/table.ts';
import type { LoadEhrOptions } from './ehr-csv.ts';
import {
  ageInYears,
  extractObservation,
  extractPatient,
  type FhirObservation,
  type FhirPatient,
} from './fhir-extract.ts';
import { readFhirResources, type FhirLocation } from './fhir-reader.ts';
import {
  levelIndex,
  numericValue,
  resolveEhrSchema,
  type EhrRecord,
  type EhrResult,
  type EhrSchema,
} from './ehr-schema.ts';

interface Located<T> {
  item: T;
  at: FhirLocation;
}

/** Everything read from the FHIR files before validation. */
interface FhirScan {
  patients: Located<FhirPatient & { fullUrl?: string }>[];
  observations: Located<FhirObservation>[];
  /** Resources (or unreadable lines) per file, accepted or not. */
  recordsByFile: Map<string, number>;
  ignored: number;
}

/**
 * Loads EHR features from FHIR R4 Patient and Observation resources (Bundle or NDJSON).
 * Observations become features through the config's LOINC map; when a patient has several
 * for one code, the latest (effective time, then file order) wins. A bad Observation is
 * rejected on its own and its feature counts as missing; a bad Patient rejects the patient.
 */
export async function loadEhrFhir(options: LoadEhrOptions): Promise<EhrResult> {
  const fhir = options.config.fhir ?? { loinc: [] };
  const file = options.config.paths.join(', ');
  const rejected: Rejection[] = [];
  const reject = (at: FhirLocation, reason: string, patientId?: string): void =>
    void rejected.push({ source: 'ehr', ...at, ...(patientId === undefined ? {} : { patientId }), reason });
  const scan = await scanFiles({ paths: options.config.paths, fhir, reject });
  const byRef = acceptPatients(scan.patients, reject);
  const values = collectValues({ scan, byRef, fhir, reject });
  const { schema, warnings } = fhirSchema({ file, fhir, values, options });
  const records = buildRecords({ byRef, values, schema, options, reject });
  if (scan.ignored > 0) {
    warnings.push(
      `${file}: ${scan.ignored} resources ignored (other resource types, unmapped codes, status entered-in-error or cancelled)`,
    );
  }
  for (const path of options.config.paths) {
    const own = rejected.filter((r) => r.file === path);
    assertRejectedFraction({
      file: path,
      records: scan.recordsByFile.get(path) ?? 0,
      rejected: own,
      max: options.maxRejectedFraction,
    });
  }
  const total = [...scan.recordsByFile.values()].reduce((a, b) => a + b, 0);
  return {
    summary: { source: 'ehr', file, records: total, accepted: records.size, rejected },
    schema,
    records,
    warnings,
  };
}

/**
 * Types and levels of the FHIR features. Numeric: a unit in the LOINC map, or mostly
 * Quantity/integer values (a stray valueString is then rejected rather than turning the
 * feature categorical).
 */
function fhirSchema(o: {
  file: string;
  fhir: FhirConfig;
  values: Map<string, Located<FhirObservation>[]>;
  options: LoadEhrOptions;
}): ReturnType<typeof resolveEhrSchema> {
  const { fhir, values } = o;
  const features = [...new Set([...fhir.loinc.map((m) => m.feature), ...patientFeatures(fhir)])];
  const units: Record<string, string> = {};
  for (const m of fhir.loinc) if (m.unit !== undefined) units[m.feature] = m.unit;
  const numericHint = new Set(
    features.filter((f) => {
      const list = values.get(f) ?? [];
      return (
        units[f] !== undefined ||
        2 * list.filter((v) => typeof v.item.value === 'number').length >= list.length
      );
    }),
  );
  if (fhir.age) numericHint.add(fhir.age.feature);
  return resolveEhrSchema({
    file: o.file,
    config: o.options.config,
    features,
    numericHint,
    values: (f) => (values.get(f) ?? []).map((v) => String(v.item.value)),
    missingValues: o.options.missingValues,
    units,
  });
}

function patientFeatures(fhir: FhirConfig): string[] {
  return [...(fhir.gender === undefined ? [] : [fhir.gender]), ...(fhir.age ? [fhir.age.feature] : [])];
}

async function scanFiles(args: {
  paths: string[];
  fhir: FhirConfig;
  reject: (at: FhirLocation, reason: string) => void;
}): Promise<FhirScan> {
  const loinc = new Map(args.fhir.loinc.map((m) => [m.code, m.feature]));
  const unitOf = new Map(args.fhir.loinc.map((m) => [m.feature, m.unit]));
  const scan: FhirScan = { patients: [], observations: [], recordsByFile: new Map(), ignored: 0 };
  for (const path of args.paths) {
    for await (const item of readFhirResources(path)) {
      scan.recordsByFile.set(path, (scan.recordsByFile.get(path) ?? 0) + 1);
      if (!item.ok) {
        args.reject(item.at, item.reason);
        continue;
      }
      const { resource, at } = item;
      const parsed =
        resource.resourceType === 'Patient'
          ? extractPatient(resource, args.fhir)
          : resource.resourceType === 'Observation'
            ? extractObservation(resource, loinc)
            : undefined;
      if (parsed === undefined) scan.ignored += 1;
      else if (typeof parsed === 'string') args.reject(at, parsed);
      else if ('patientId' in parsed)
        scan.patients.push({ item: { ...parsed, ...(item.fullUrl ? { fullUrl: item.fullUrl } : {}) }, at });
      else {
        const expected = unitOf.get(parsed.feature);
        if (expected !== undefined && parsed.unit !== undefined && parsed.unit !== expected) {
          args.reject(
            at,
            `Observation/${parsed.id}: unit '${parsed.unit}' for '${parsed.feature}', expected '${expected}'`,
          );
        } else scan.observations.push({ item: parsed, at });
      }
    }
  }
  return scan;
}

/** Maps `Patient/<id>` (and Bundle fullUrls) to patient ids; duplicates reject every copy. */
function acceptPatients(
  patients: FhirScan['patients'],
  reject: (at: FhirLocation, reason: string, patientId?: string) => void,
): Map<string, Located<FhirPatient> | 'rejected'> {
  const count = new Map<string, number>();
  for (const p of patients) {
    for (const key of [`fhir:${p.item.fhirId}`, `pid:${p.item.patientId}`])
      count.set(key, (count.get(key) ?? 0) + 1);
  }
  const byRef = new Map<string, Located<FhirPatient> | 'rejected'>();
  for (const p of patients) {
    const dupFhir = (count.get(`fhir:${p.item.fhirId}`) ?? 0) > 1;
    const dupPid = (count.get(`pid:${p.item.patientId}`) ?? 0) > 1;
    const refs = [`Patient/${p.item.fhirId}`, ...(p.item.fullUrl ? [p.item.fullUrl] : [])];
    if (dupFhir || dupPid) {
      const what = dupFhir ? `Patient/${p.item.fhirId}` : `patient_id '${p.item.patientId}'`;
      reject(p.at, `duplicate ${what}; all copies rejected`, p.item.patientId);
      for (const ref of refs) byRef.set(ref, 'rejected');
    } else for (const ref of refs) byRef.set(ref, p);
  }
  return byRef;
}

/** Per feature, the usable values: Observations attached to accepted patients, plus Patient fields. */
function collectValues(args: {
  scan: FhirScan;
  byRef: Map<string, Located<FhirPatient> | 'rejected'>;
  fhir: FhirConfig;
  reject: (at: FhirLocation, reason: string, patientId?: string) => void;
}): Map<string, Located<FhirObservation>[]> {
  const values = new Map<string, Located<FhirObservation>[]>();
  const add = (o: Located<FhirObservation>): void => {
    const list = values.get(o.item.feature);
    if (list) list.push(o);
    else values.set(o.item.feature, [o]);
  };
  for (const o of args.scan.observations) {
    const patient = args.byRef.get(o.item.subject);
    if (patient === undefined)
      args.reject(o.at, `Observation/${o.item.id} refers to unknown patient ${o.item.subject}`);
    else if (patient === 'rejected')
      args.reject(o.at, `Observation/${o.item.id} belongs to rejected ${o.item.subject}`);
    else if (o.item.value !== undefined)
      add({ item: { ...o.item, subject: patient.item.patientId }, at: o.at });
  }
  for (const p of new Set(args.byRef.values())) {
    if (p === 'rejected') continue;
    const base = { id: `Patient/${p.item.fhirId}`, subject: p.item.patientId, when: 0 };
    const { gender, age } = args.fhir;
    if (gender !== undefined && p.item.gender !== undefined)
      add({ item: { ...base, feature: gender, value: p.item.gender }, at: p.at });
    const years = age && p.item.birthDate !== undefined ? ageInYears(p.item.birthDate, age.at) : undefined;
    if (age && years !== undefined) add({ item: { ...base, feature: age.feature, value: years }, at: p.at });
  }
  return values;
}

function buildRecords(args: {
  byRef: Map<string, Located<FhirPatient> | 'rejected'>;
  values: Map<string, Located<FhirObservation>[]>;
  schema: EhrSchema;
  options: LoadEhrOptions;
  reject: (at: FhirLocation, reason: string, patientId?: string) => void;
}): Map<string, EhrRecord> {
  const { schema, options } = args;
  const records = new Map<string, EhrRecord>();
  const when = new Map<string, number>();
  for (const p of new Set(args.byRef.values())) {
    if (p === 'rejected') continue;
    const numeric = new Float64Array(schema.numeric.length).fill(Number.NaN);
    const categorical = new Int32Array(schema.categorical.length).fill(-1);
    records.set(p.item.patientId, { line: p.at.line ?? p.at.entry ?? 0, numeric, categorical });
  }
  const missing = options.missingValues;
  for (const [feature, list] of args.values) {
    const n = schema.numeric.indexOf(feature);
    const c = schema.categorical.findIndex((s) => s.name === feature);
    const spec = schema.categorical[c];
    for (const { item, at } of list) {
      const record = records.get(item.subject);
      const key = `${item.subject}\u0000${feature}`;
      if (!record || item.when < (when.get(key) ?? Number.NEGATIVE_INFINITY)) continue;
      const raw = String(item.value);
      const v =
        n !== -1
          ? numericValue({ raw, feature, missing })
          : spec
            ? levelIndex({ raw, spec, missing })
            : undefined;
      if (typeof v === 'string') args.reject(at, `${item.id}: ${v}`, item.subject);
      else if (v !== undefined) {
        if (n !== -1) record.numeric[n] = v;
        else record.categorical[c] = v;
        when.set(key, item.when);
      }
    }
  }
  return records;
}
