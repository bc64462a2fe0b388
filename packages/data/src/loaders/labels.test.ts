import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MISSING_VALUES } from '../io/values.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { loadLabels } from './labels.ts';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir();
});
afterEach(() => tmp.cleanup());

const load = (maxRejectedFraction = 0.5) =>
  loadLabels({
    config: { path: tmp.path('labels.csv'), splitColumn: 'split', validationFraction: 0.15 },
    tasks: ['cancer', 'cardiac'],
    idColumn: 'patient_id',
    missingValues: new Set(DEFAULT_MISSING_VALUES),
    maxRejectedFraction,
  });

describe('loadLabels', () => {
  it('reads 0/1/blank per task and the split column, in any column order', async () => {
    await tmp.write({
      'labels.csv': 'cardiac,patient_id,split,cancer\n1,P1,train,0\n,P2,test,1\n0,P3,,\n1,P4,Validation,1\n',
    });
    const { records, summary } = await load();
    expect(summary).toMatchObject({ records: 4, accepted: 4, rejected: [] });
    expect(records.get('P1')).toEqual({ line: 2, split: 'train', values: Float32Array.of(0, 1) });
    expect(records.get('P2')?.split).toBe('test');
    expect(Array.from(records.get('P2')?.values ?? [])).toEqual([1, Number.NaN]);
    expect(records.get('P3')?.split).toBe('train');
    expect(records.get('P4')?.split).toBe('validation');
  });

  it('rejects bad labels, bad splits and every copy of a duplicate id with file and line', async () => {
    await tmp.write({
      'labels.csv':
        'patient_id,split,cancer,cardiac\nP1,,yes,0\nP2,,0,0\nP2,,1,1\nP3,holdout,0,1\nP4,,0,1\nP5,,1,0\nP6,,0,0\nP7,,1,1\n',
    });
    const { records, summary } = await load();
    expect([...records.keys()]).toEqual(['P4', 'P5', 'P6', 'P7']);
    const file = tmp.path('labels.csv');
    expect(summary.rejected).toEqual([
      {
        source: 'labels',
        file,
        line: 3,
        patientId: 'P2',
        reason: "duplicate patient_id 'P2' (also on line 4); all copies rejected",
      },
      {
        source: 'labels',
        file,
        line: 4,
        patientId: 'P2',
        reason: "duplicate patient_id 'P2' (also on line 3); all copies rejected",
      },
      {
        source: 'labels',
        file,
        line: 2,
        patientId: 'P1',
        reason: `label "yes" for task 'cancer' is not 0, 1 or blank`,
      },
      {
        source: 'labels',
        file,
        line: 5,
        patientId: 'P3',
        reason: 'split "holdout" is not train, validation, test or blank',
      },
    ]);
  });

  it('refuses a file without a task column or with mostly bad rows', async () => {
    await tmp.write({ 'labels.csv': 'patient_id,cancer\nP1,1\n' });
    await expect(load()).rejects.toThrow(
      /labels\.csv: no column for task 'cardiac' \(found: patient_id, cancer\)/,
    );
    await tmp.write({ 'labels.csv': 'patient_id;cancer;cardiac\nP1;1;0\n' });
    await expect(load()).rejects.toThrow(/no 'patient_id' column/);
    await tmp.write({ 'labels.csv': 'patient_id,cancer,cardiac\nP1,2,0\nP2,1,1\n' });
    await expect(load(0.2)).rejects.toThrow(
      /1 of 2 rows rejected, more than the allowed 20% \(first: line 2: label "2"/,
    );
  });
});
