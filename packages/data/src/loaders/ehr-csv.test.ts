import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EhrConfig } from '../config/ehr-config.ts';
import { DEFAULT_MISSING_VALUES } from '../io/values.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { loadEhrCsv } from './ehr-csv.ts';
import { ehrDim, ehrFeatureNames } from './ehr-schema.ts';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir();
});
afterEach(() => tmp.cleanup());

const load = (config: Partial<EhrConfig> = {}, maxRejectedFraction = 0.5) =>
  loadEhrCsv({
    config: { format: 'csv', paths: [tmp.path('ehr.csv')], ...config },
    idColumn: 'patient_id',
    missingValues: new Set(DEFAULT_MISSING_VALUES),
    maxRejectedFraction,
  });

/** A rejection from this test's `ehr.csv`, as the loader reports it. */
const rejection = (line: number, patientId: string, reason: string) => ({
  source: 'ehr',
  file: tmp.path('ehr.csv'),
  line,
  patientId,
  reason,
});

describe('loadEhrCsv', () => {
  it('reads units, infers types, keeps blanks as missing and encodes levels', async () => {
    await tmp.write({
      'ehr.csv': 'patient_id,age,glucose [mg/dL],sex\nP1,61,5.4,F\nP2,47,,M\nP3,NA,7.0,\n',
    });
    const { schema, records, warnings, summary } = await load();
    expect(schema).toEqual({
      numeric: ['age', 'glucose'],
      categorical: [{ name: 'sex', levels: ['F', 'M'] }],
      units: { glucose: 'mg/dL' },
    });
    expect(ehrFeatureNames(schema)).toEqual([
      'age',
      'glucose',
      'sex=F',
      'sex=M',
      'age_missing',
      'glucose_missing',
    ]);
    expect(ehrDim(schema)).toBe(6);
    expect(Array.from(records.get('P2')?.numeric ?? [])).toEqual([47, Number.NaN]);
    expect(Array.from(records.get('P3')?.categorical ?? [])).toEqual([-1]);
    expect(Array.from(records.get('P1')?.categorical ?? [])).toEqual([0]);
    expect(warnings[0]).toMatch(/levels of 'sex' inferred from this site's data \(F, M\)/);
    expect(summary).toMatchObject({ records: 3, accepted: 3 });
  });

  it('rejects a non-numeric value in a numeric column with file, line, patient and reason', async () => {
    await tmp.write({ 'ehr.csv': 'patient_id,age,bmi\nP1,61,27\nP2,47,twenty\nP3,50,30\n' });
    const { records, summary } = await load();
    expect([...records.keys()]).toEqual(['P1', 'P3']);
    expect(summary.rejected).toEqual([
      rejection(3, 'P2', `non-numeric value "twenty" in numeric column 'bmi'`),
    ]);
  });

  it('follows the declared schema: order, levels, ignored extras, unknown levels rejected', async () => {
    await tmp.write({ 'ehr.csv': 'patient_id,sex,note,bmi,age\nP1,M,x,27,61\nP2,X,y,30,50\nP3,F,z,,40\n' });
    const { schema, records, summary, warnings } = await load({
      numeric: ['age', 'bmi'],
      categorical: [{ name: 'sex', levels: ['F', 'M'] }],
    });
    expect(schema.numeric).toEqual(['age', 'bmi']);
    expect(Array.from(records.get('P1')?.numeric ?? [])).toEqual([61, 27]);
    expect(summary.rejected[0]?.reason).toBe(`unknown level "X" for 'sex' (expected one of F, M)`);
    expect(warnings).toEqual([
      `${tmp.path('ehr.csv')}: column 'note' ignored: not declared under ehr.numeric or ehr.categorical`,
    ]);
  });

  it('throws for a declared column the file lacks, a duplicate header and mostly broken rows', async () => {
    await tmp.write({ 'ehr.csv': 'patient_id,age\nP1,3\n' });
    await expect(load({ numeric: ['age', 'bmi'] })).rejects.toThrow(
      /ehr\.csv: declared EHR features not found in the data: bmi/,
    );
    await tmp.write({ 'ehr.csv': 'patient_id,age,age\nP1,3,4\n' });
    await expect(load()).rejects.toThrow(/column 'age' appears twice \(columns 2 and 3\)/);
    await tmp.write({ 'ehr.csv': 'patient_id,age,bmi\nP1,3\nP2,4\nP3,5,6\n' });
    await expect(load()).rejects.toThrow(/2 of 3 rows rejected.*line 2: expected 3 cells, found 2/);
  });
});

describe('loadEhrCsv on real exports', () => {
  it('reads free-text notes over several lines, a BOM and CRLF, keeping later line numbers exact', async () => {
    await tmp.write({
      'ehr.csv': '\ufeffpatient_id,age,note\r\nP1,61,"chest pain,\r\nreferred ""urgently"""\r\nP2,x,none\r\n',
    });
    const { records, summary } = await load({ numeric: ['age'] });
    expect([...records.keys()]).toEqual(['P1']);
    expect(summary.rejected).toEqual([rejection(4, 'P2', `non-numeric value "x" in numeric column 'age'`)]);
  });

  it('reads a tab-separated export', async () => {
    await tmp.write({ 'ehr.tsv': 'patient_id\tage\tsex\nP1\t61\tF\nP2\t47\tM\n' });
    const { records } = await load({ paths: [tmp.path('ehr.tsv')] });
    expect(Array.from(records.get('P2')?.numeric ?? [])).toEqual([47]);
  });

  it('rejects a row with the wrong number of cells at the line where the record starts', async () => {
    await tmp.write({
      'ehr.csv': 'patient_id,age,note\nP1,61,"two\nlines"\nP2,50,"also\ntwo",extra\nP3,40,x\n',
    });
    const { records, summary } = await load();
    expect([...records.keys()]).toEqual(['P1', 'P3']);
    expect(summary.rejected).toEqual([rejection(4, 'P2', 'expected 3 cells, found 4')]);
  });

  it('refuses a file whose quote is never closed, naming the line it opens on', async () => {
    await tmp.write({ 'ehr.csv': 'patient_id,age,note\nP1,61,ok\nP2,50,"never closed\nP3,40,x\n' });
    await expect(load()).rejects.toThrow(
      `${tmp.path('ehr.csv')}:3: a quoted cell in this record is never closed`,
    );
  });
});
