import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { formatLoadReport } from './load-report.ts';
import { loadSite } from './load-site.ts';
import { splitValidation } from './validation-split.ts';

/** 200 patients: task 1 positive for every 10th (a rare class), task 2 alternating, task 2 missing for every 7th. */
function cohort() {
  return Array.from({ length: 200 }, (_, i) => ({
    id: `P${i}`,
    labels: Float32Array.of(i % 10 === 0 ? 1 : 0, i % 7 === 0 ? Number.NaN : i % 2),
  }));
}

describe('splitValidation', () => {
  it('holds out the same patients whatever the order they come in', () => {
    const patients = cohort();
    const first = splitValidation(patients, 0.15);
    const shuffled = [...patients].sort((a, b) => (a.id.length - b.id.length) * 7 + (b.id < a.id ? 1 : -1));
    const second = splitValidation(shuffled, 0.15);
    expect(new Set(second.validation)).toEqual(new Set(first.validation));
    expect(first.validation).toHaveLength(30);
    expect(first.train).toHaveLength(170);
    expect(new Set([...first.train, ...first.validation]).size).toBe(200);
    // Not simply the first or last ids.
    expect(first.validation).not.toEqual(patients.slice(0, 30).map((p) => p.id));
  });

  it('holds out each label pattern in proportion, rare positives included', () => {
    const patients = cohort();
    const { validation } = splitValidation(patients, 0.2);
    const held = new Set(validation);
    const share = (pick: (labels: Float32Array) => boolean) => {
      const group = patients.filter((p) => pick(p.labels));
      return group.filter((p) => held.has(p.id)).length / group.length;
    };
    expect(share((y) => y[0] === 1)).toBeCloseTo(0.2, 1);
    expect(share((y) => y[0] === 0)).toBeCloseTo(0.2, 1);
    expect(share((y) => y[1] === 1)).toBeCloseTo(0.2, 1);
    expect(share((y) => Number.isNaN(y[1]))).toBeCloseTo(0.2, 1);
    // 20 rare positives: exactly 4 held out.
    expect(patients.filter((p) => p.labels[0] === 1 && held.has(p.id))).toHaveLength(4);
  });

  it('holds out no one at fraction 0 and refuses a fraction outside [0, 1)', () => {
    expect(splitValidation(cohort(), 0).validation).toEqual([]);
    expect(() => splitValidation(cohort(), 1)).toThrow(/validation fraction must be in \[0, 1\), got 1/);
  });
});

const split = (labels: string, i: number) =>
  labels.includes('split') ? `,${i === 0 ? 'validation' : i < 3 ? 'test' : ''}` : '';

describe('the validation split of a loaded site', () => {
  let tmp: TempDir;
  beforeEach(async () => {
    tmp = await makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  async function writeSite(labels: string, labelsConfig = '{ path: labels.csv }'): Promise<string> {
    const ids = Array.from({ length: 40 }, (_, i) => `S${i}`);
    await tmp.write({
      'site.yaml': `site: v\ntasks: [cancer]\nehr: { path: ehr.csv }\nlabels: ${labelsConfig}\n`,
      'ehr.csv': `patient_id,age\n${ids.map((id, i) => `${id},${40 + i}`).join('\n')}\n`,
      // With a split column: S0 validation, S1 and S2 test, the rest train.
      'labels.csv': labels.replace(
        '{rows}',
        ids.map((id, i) => `${id},${i % 4 === 0 ? 1 : 0}${split(labels, i)}`).join('\n'),
      ),
    });
    return tmp.path('site.yaml');
  }

  it('carves validation from the training patients of a labels file without a split column, and warns of no test patients', async () => {
    const site = await loadSite({ config: await writeSite('patient_id,cancer\n{rows}\n') });
    expect(site.validation.patientIds).toHaveLength(6);
    expect(site.train.patientIds).toHaveLength(34);
    expect(site.test.patientIds).toHaveLength(0);
    expect(site.report.splits.validation).toMatchObject({ patients: 6, labelled: { cancer: 6 } });
    expect(site.report.warnings).toEqual([
      expect.stringMatching(/^no held-out test patients: no labels row has split=test/),
    ]);
    const text = formatLoadReport(site.report);
    expect(text).toContain('validation: 6 patients; cancer');
    expect(text).toContain('no held-out test patients');
    const again = await loadSite({ config: tmp.path('site.yaml') });
    expect(again.validation.patientIds).toEqual(site.validation.patientIds);
  });

  it('uses the rows marked validation when there are any, and warns when a site holds out none', async () => {
    const marked = await loadSite({
      config: await writeSite('patient_id,cancer,split\n{rows}\n'),
    });
    expect(marked.validation.patientIds).toEqual(['S0']);
    expect(marked.test.patientIds).toEqual(['S1', 'S2']);
    const none = await loadSite({
      config: await writeSite('patient_id,cancer\n{rows}\n', '{ path: labels.csv, validationFraction: 0 }'),
    });
    expect(none.validation.patientIds).toEqual([]);
    expect(none.report.warnings).toContainEqual(expect.stringMatching(/^no validation patients/));
  });
});
