import { describe, expect, it } from 'vitest';
import { INPUT_PLACEHOLDERS } from './run-config.ts';
import type { ReportedSite } from './schema-groups.ts';
import { deriveModelInputs, type ModelInputs } from './spec-derivation.ts';
import { EHR_COLUMNS, PANEL, siteSchema } from './testing/site-schemas.ts';

const site = (name: string, schema = siteSchema()): ReportedSite => ({ id: `id-${name}`, name, schema });
const derive = (sites: ReportedSite[], requested: Partial<ModelInputs> = {}) =>
  deriveModelInputs({ requested, sites, placeholders: INPUT_PLACEHOLDERS });
const problems = (sites: ReportedSite[], requested: Partial<ModelInputs> = {}) => {
  const result = derive(sites, requested);
  return result.ok ? [] : result.problems;
};

describe('deriveModelInputs', () => {
  it('takes every input from sites that agree', () => {
    expect(derive([site('A'), site('B'), site('C')])).toEqual({
      ok: true,
      inputs: {
        modalities: ['ehr', 'imaging', 'genomics'],
        tasks: ['cancer', 'cardiac'],
        ehrDim: EHR_COLUMNS.length,
        genomicsDim: PANEL.length,
        imageShape: [16, 16, 1],
      },
      derived: ['modalities', 'tasks', 'ehrDim', 'genomicsDim', 'imageShape'],
    });
  });

  it('leaves out a modality no site holds (EHR-only federation → modalities [ehr])', () => {
    const ehrOnly = siteSchema({ modalities: ['ehr'], tasks: { outcome: { train: 50, test: 12 } } });
    const result = derive([site('A', ehrOnly), site('B', ehrOnly), site('C', ehrOnly)]);
    expect(result).toMatchObject({
      ok: true,
      inputs: { modalities: ['ehr'], tasks: ['outcome'], ehrDim: 6 },
    });
  });

  it('unions the modalities: a site without imaging does not remove it, and is not compared on it', () => {
    const noImaging = siteSchema({ modalities: ['ehr', 'genomics'] });
    const result = derive([site('A'), site('B', noImaging)]);
    expect(result).toMatchObject({ ok: true, inputs: { modalities: ['ehr', 'imaging', 'genomics'] } });
  });

  it('names the site with an extra EHR column and the column', () => {
    const extra = siteSchema({
      ehrColumns: ['age', 'bmi', 'smoker', 'sex=F', 'sex=M', 'age_missing', 'bmi_missing'],
    });
    expect(problems([site('A'), site('B'), site('Hospital C', extra)])).toEqual([
      'sites disagree on the EHR columns: "Hospital C" has extra column(s) smoker, compared with "A", "B" (6 columns)',
    ]);
  });

  it('names a different categorical level as an extra and a missing column', () => {
    const levels = siteSchema({ ehrColumns: ['age', 'bmi', 'sex=F', 'sex=U', 'age_missing', 'bmi_missing'] });
    expect(problems([site('A'), site('B'), site('C', levels)])).toEqual([
      'sites disagree on the EHR columns: "C" has extra column(s) sex=U and lacks sex=M, compared with "A", "B" (6 columns)',
    ]);
  });

  it('names the sites with a different gene panel', () => {
    const other = siteSchema({ genes: PANEL.map((g) => g.replace('GENE', 'G')) });
    const [problem] = problems([site('A'), site('B', other), site('C')]);
    expect(problem).toMatch(
      /^sites disagree on the gene panel: "A", "C" have 12 genes \(panel [0-9a-f]{12}\); "B" has 12 genes/,
    );
  });

  it('names the site with a different image shape, and an explicit shape settles it', () => {
    const larger = siteSchema({ imageShape: [32, 32, 1] });
    expect(problems([site('A'), site('B'), site('C', larger)])).toEqual([
      'sites disagree on the image shape: "A", "B" have 16×16×1; "C" has 32×32×1 ' +
        '(give model.imageShape to have every site re-read its images at one size)',
    ]);
    expect(derive([site('A'), site('C', larger)], { imageShape: [16, 16, 1] })).toMatchObject({ ok: true });
    expect(problems([site('A')], { imageShape: [16, 16, 3] })).toEqual([
      'model.imageShape has 3 channel(s) but "A" has images of 16×16×1',
    ]);
  });

  it('checks explicit widths against the sites', () => {
    expect(problems([site('A'), site('B')], { ehrDim: 32, genomicsDim: 2000 })).toEqual([
      'model.ehrDim is 32 but the sites\' EHR data encodes 6 columns ("A", "B")',
      'model.genomicsDim is 2000 but the sites\' gene panel has 12 genes ("A", "B")',
    ]);
  });

  it('refuses a modality or a task nobody has', () => {
    const ehrOnly = siteSchema({ modalities: ['ehr'] });
    expect(problems([site('A', ehrOnly)], { modalities: ['ehr', 'imaging'] })).toEqual([
      'model.modalities includes imaging but no approved site has imaging data ("A")',
    ]);
    expect(problems([site('A'), site('B')], { tasks: ['cancer', 'stroke'] })).toEqual([
      "no approved site labels task 'stroke' (their tasks: cancer, cardiac)",
    ]);
    const testOnly = siteSchema({ tasks: { cancer: { train: 40 }, rare: { train: 0, test: 3 } } });
    expect(problems([site('A', testOnly)])).toEqual([
      'no approved site labels task \'rare\' for training (declared by "A" with no training labels)',
    ]);
  });

  it('counts validation labels as training labels: only the test split is held out', () => {
    const validation = siteSchema({ tasks: { cancer: { train: 0, validation: 5, test: 3 } } });
    expect(derive([site('A', validation)])).toMatchObject({ ok: true, inputs: { tasks: ['cancer'] } });
  });

  it('without any report, refuses what it would have to derive and accepts a complete spec', () => {
    expect(problems([])).toEqual([
      'no approved site has reported its data schema yet, so model.tasks, model.ehrDim, model.genomicsDim, ' +
        'model.imageShape cannot be derived: start the site daemons and wait for them to connect, or give these explicitly',
    ]);
    const complete = {
      tasks: ['cancer'],
      ehrDim: 4,
      genomicsDim: 8,
      imageShape: [8, 8, 1] as [number, number, number],
    };
    expect(derive([], complete)).toEqual({
      ok: true,
      inputs: { ...complete, modalities: ['ehr', 'imaging', 'genomics'] },
      derived: ['modalities'],
    });
  });
});
