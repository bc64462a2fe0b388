import type { FhirConfig } from '../config/ehr-config.ts';
import { isObject } from './fhir-reader.ts';

/** The LOINC code system URI. */
const LOINC_SYSTEM = 'http://loinc.org';

/** What FedFuse reads from a Patient resource. */
export interface FhirPatient {
  fhirId: string;
  patientId: string;
  gender?: string;
  birthDate?: string;
}

/** What FedFuse reads from a mapped Observation. */
export interface FhirObservation {
  id: string;
  subject: string;
  feature: string;
  value: number | string | undefined;
  unit?: string;
  /** Milliseconds since the epoch of the clinically relevant time; -Infinity when absent. */
  when: number;
}

/** Reads a Patient; returns a reason string when it cannot be used. */
export function extractPatient(resource: Record<string, unknown>, config: FhirConfig): FhirPatient | string {
  const fhirId = resource.id;
  if (typeof fhirId !== 'string' || fhirId === '') return 'Patient has no id';
  let patientId = fhirId;
  if (config.identifierSystem !== undefined) {
    const ids = Array.isArray(resource.identifier) ? (resource.identifier as unknown[]) : [];
    const match = ids.find((i) => isObject(i) && i.system === config.identifierSystem);
    if (!isObject(match) || typeof match.value !== 'string' || match.value === '') {
      return `Patient/${fhirId} has no identifier with system ${config.identifierSystem}`;
    }
    patientId = match.value;
  }
  const patient: FhirPatient = { fhirId, patientId };
  if (typeof resource.gender === 'string') patient.gender = resource.gender;
  if (typeof resource.birthDate === 'string') patient.birthDate = resource.birthDate;
  return patient;
}

/** Statuses whose values must not be used. */
const UNUSABLE_STATUS = new Set(['entered-in-error', 'cancelled']);

/**
 * Reads an Observation mapped by LOINC code. Returns `undefined` when it is deliberately
 * skipped (unmapped code, unusable status) and a reason string when it is malformed.
 */
export function extractObservation(
  resource: Record<string, unknown>,
  loinc: ReadonlyMap<string, string>,
): FhirObservation | string | undefined {
  if (typeof resource.status === 'string' && UNUSABLE_STATUS.has(resource.status)) return undefined;
  const code = loincCode(resource.code, loinc);
  if (code === undefined) return undefined;
  const id = typeof resource.id === 'string' ? resource.id : '(no id)';
  const subject = isObject(resource.subject) ? resource.subject.reference : undefined;
  if (typeof subject !== 'string') return `Observation/${id} has no subject.reference`;
  const value = observationValue(resource);
  if (value === 'unsupported') return `Observation/${id} has an unsupported value type`;
  const obs: FhirObservation = {
    id,
    subject,
    feature: loinc.get(code) ?? '',
    value: value?.value,
    when: observedAt(resource),
  };
  if (value?.unit !== undefined) obs.unit = value.unit;
  return obs;
}

function loincCode(code: unknown, loinc: ReadonlyMap<string, string>): string | undefined {
  if (!isObject(code) || !Array.isArray(code.coding)) return undefined;
  for (const c of code.coding as unknown[]) {
    if (isObject(c) && c.system === LOINC_SYSTEM && typeof c.code === 'string' && loinc.has(c.code))
      return c.code;
  }
  return undefined;
}

function observationValue(
  r: Record<string, unknown>,
): { value: number | string; unit?: string } | undefined | 'unsupported' {
  if (isObject(r.valueQuantity)) {
    const q = r.valueQuantity;
    if (typeof q.value !== 'number') return 'unsupported';
    const unit = typeof q.unit === 'string' ? q.unit : typeof q.code === 'string' ? q.code : undefined;
    return unit === undefined ? { value: q.value } : { value: q.value, unit };
  }
  if (typeof r.valueInteger === 'number') return { value: r.valueInteger };
  if (typeof r.valueString === 'string') return { value: r.valueString };
  if (typeof r.valueBoolean === 'boolean') return { value: String(r.valueBoolean) };
  if (isObject(r.valueCodeableConcept)) {
    const cc = r.valueCodeableConcept;
    const first: unknown = Array.isArray(cc.coding) ? (cc.coding as unknown[])[0] : undefined;
    if (isObject(first) && typeof first.code === 'string') return { value: first.code };
    if (typeof cc.text === 'string') return { value: cc.text };
    return 'unsupported';
  }
  const hasOtherValue = Object.keys(r).some((k) => k.startsWith('value'));
  return hasOtherValue ? 'unsupported' : undefined;
}

function observedAt(r: Record<string, unknown>): number {
  const period = isObject(r.effectivePeriod) ? r.effectivePeriod.start : undefined;
  for (const candidate of [r.effectiveDateTime, r.effectiveInstant, period, r.issued]) {
    if (typeof candidate === 'string') {
      const t = Date.parse(candidate);
      if (!Number.isNaN(t)) return t;
    }
  }
  return Number.NEGATIVE_INFINITY;
}

/** Completed years between a birth date and a reference date (both ISO dates). */
export function ageInYears(birthDate: string, at: string): number | undefined {
  const b = new Date(birthDate);
  const a = new Date(at);
  if (Number.isNaN(b.getTime()) || Number.isNaN(a.getTime())) return undefined;
  let years = a.getUTCFullYear() - b.getUTCFullYear();
  const beforeBirthday =
    a.getUTCMonth() < b.getUTCMonth() ||
    (a.getUTCMonth() === b.getUTCMonth() && a.getUTCDate() < b.getUTCDate());
  if (beforeBirthday) years -= 1;
  return years;
}
