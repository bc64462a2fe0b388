import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EhrConfig, FhirConfig } from '../config/ehr-config.ts';
import { DEFAULT_MISSING_VALUES } from '../io/values.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { loadEhrFhir } from './ehr-fhir.ts';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir();
});
afterEach(() => tmp.cleanup());

const fhir: FhirConfig = {
  loinc: [
    { code: '2339-0', feature: 'glucose', unit: 'mg/dL' },
    { code: '72166-2', feature: 'smoking' },
  ],
  gender: 'sex',
  age: { feature: 'age', at: '2025-01-01' },
};

const patient = (id: string, extra: object = {}) => ({
  resourceType: 'Patient',
  id,
  gender: 'female',
  birthDate: '1960-06-15',
  ...extra,
});
const obs = (o: {
  id: string;
  subject: string;
  code: string;
  value: object;
  when?: string;
  status?: string;
}) => ({
  resourceType: 'Observation',
  id: o.id,
  status: o.status ?? 'final',
  subject: { reference: `Patient/${o.subject}` },
  code: { coding: [{ system: 'http://loinc.org', code: o.code }] },
  ...(o.when ? { effectiveDateTime: o.when } : {}),
  ...o.value,
});
const glucose = (id: string, subject: string, q: { value: number; when?: string; unit?: string }) =>
  obs({
    id,
    subject,
    code: '2339-0',
    value: { valueQuantity: { value: q.value, unit: q.unit ?? 'mg/dL' } },
    ...(q.when ? { when: q.when } : {}),
  });

const load = (config: Partial<EhrConfig> = {}) =>
  loadEhrFhir({
    config: { format: 'fhir', paths: [tmp.path('bundle.json')], fhir, ...config },
    idColumn: 'patient_id',
    missingValues: new Set(DEFAULT_MISSING_VALUES),
    maxRejectedFraction: 0.9,
  });

describe('loadEhrFhir', () => {
  it('maps Observations by LOINC code, keeps the latest, reads gender and age from Patient', async () => {
    const entries = [
      glucose('g1', 'a', { value: 90, when: '2024-01-01' }),
      glucose('g2', 'a', { value: 140, when: '2024-06-01' }),
      glucose('g3', 'a', { value: 100, when: '2023-01-01' }),
      obs({
        id: 's1',
        subject: 'a',
        code: '72166-2',
        value: { valueCodeableConcept: { coding: [{ code: 'current' }] } },
      }),
      obs({ id: 'hr', subject: 'a', code: '8867-4', value: { valueQuantity: { value: 70 } } }),
      glucose('bad', 'a', { value: 5000, when: '2030-01-01', unit: 'mmol/L' }),
      patient('a'),
      patient('b', { gender: 'male' }),
    ];
    await tmp.write({
      'bundle.json': JSON.stringify({
        resourceType: 'Bundle',
        type: 'collection',
        entry: entries.map((resource) => ({ resource })),
      }),
    });
    const { schema, records, summary, warnings } = await load();
    expect(schema.numeric).toEqual(['glucose', 'age']);
    expect(schema.categorical.map((c) => c.name)).toEqual(['smoking', 'sex']);
    expect(Array.from(records.get('a')?.numeric ?? [])).toEqual([140, 64]);
    expect(Array.from(records.get('b')?.numeric ?? [])).toEqual([Number.NaN, 64]);
    const sex = schema.categorical[1];
    expect(sex?.levels).toEqual(['female', 'male']);
    expect(records.get('b')?.categorical[1]).toBe(1);
    expect(summary.rejected).toEqual([
      {
        source: 'ehr',
        file: tmp.path('bundle.json'),
        entry: 6,
        reason: "Observation/bad: unit 'mmol/L' for 'glucose', expected 'mg/dL'",
      },
    ]);
    expect(warnings.some((w) => w.includes('1 resources ignored'))).toBe(true);
  });

  it('streams NDJSON, rejecting bad lines, orphans and duplicate patients with line numbers', async () => {
    const lines = [
      JSON.stringify(patient('a')),
      JSON.stringify(patient('b')),
      '{not json',
      JSON.stringify(glucose('g1', 'a', { value: 99 })),
      JSON.stringify(glucose('g2', 'zz', { value: 99 })),
      JSON.stringify(patient('b')),
      JSON.stringify(obs({ id: 'g3', subject: 'a', code: '2339-0', value: { valueString: 'high' } })),
      JSON.stringify(glucose('g4', 'b', { value: 80 })),
    ];
    await tmp.write({ 'ehr.ndjson': lines.join('\n') });
    const { records, summary } = await load({ paths: [tmp.path('ehr.ndjson')] });
    expect([...records.keys()]).toEqual(['a']);
    expect(records.get('a')?.numeric[0]).toBe(99);
    const reasons = summary.rejected.map((r) => `${r.line}: ${r.reason}`);
    expect(reasons).toEqual([
      expect.stringMatching(/^3: invalid JSON/),
      '2: duplicate Patient/b; all copies rejected',
      '6: duplicate Patient/b; all copies rejected',
      '5: Observation/g2 refers to unknown patient Patient/zz',
      '8: Observation/g4 belongs to rejected Patient/b',
      `7: g3: non-numeric value "high" in numeric column 'glucose'`,
    ]);
  });

  it('uses a configured identifier system as patient_id', async () => {
    const p = patient('fhir-1', { identifier: [{ system: 'urn:mrn', value: 'MRN-7' }] });
    await tmp.write({
      'bundle.json': JSON.stringify({
        resourceType: 'Bundle',
        entry: [{ resource: p }, { resource: glucose('g', 'fhir-1', { value: 88 }) }],
      }),
    });
    const { records } = await load({ fhir: { ...fhir, identifierSystem: 'urn:mrn' } });
    expect([...records.keys()]).toEqual(['MRN-7']);
    expect(records.get('MRN-7')?.numeric[0]).toBe(88);
  });

  it('throws SiteDataError for a Bundle that is not JSON', async () => {
    await tmp.write({ 'bundle.json': '{"resourceType": "Bundle", ' });
    await expect(load()).rejects.toThrow(/bundle\.json: invalid JSON/);
  });
});
