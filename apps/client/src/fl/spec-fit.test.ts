import { describe, expect, it } from 'vitest';

import { checkEvaluateTasks, checkSpecFit, type DataShape } from './spec-fit.ts';

const data: DataShape = {
  tasks: ['cancer', 'cardiac'],
  ehrDim: 4,
  genomicsDim: 8,
  imageShape: [8, 8, 1],
  modalityCounts: { ehr: 10, imaging: 5, genomics: 7 },
};
const spec = {
  tasks: ['cancer', 'cardiac'],
  ehrDim: 4,
  genomicsDim: 8,
  imageShape: [8, 8, 1] as [number, number, number],
};

describe(checkSpecFit.name, () => {
  it('accepts a spec that matches the data', () => {
    expect(checkSpecFit(spec, data)).toEqual({ warnings: [] });
  });

  it('refuses other feature counts for a modality the site has, saying what to align', () => {
    expect(checkSpecFit({ ...spec, ehrDim: 32 }, data).error).toBe(
      "modelSpec.ehrDim: the run's model expects 32 EHR features but this site's data has 4; align the site config's ehr numeric/categorical lists with the federation's",
    );
    expect(checkSpecFit({ ...spec, genomicsDim: 2000 }, data).error).toMatch(
      /^modelSpec.genomicsDim: .*2000 genes.* 8;/,
    );
  });

  it('zero-fills a modality the site does not have, and re-reads images at another size', () => {
    const fit = checkSpecFit(
      { ...spec, genomicsDim: 2000, imageShape: [16, 16, 1] },
      { ...data, genomicsDim: 0, modalityCounts: { ...data.modalityCounts, genomics: 0 } },
    );
    expect(fit.error).toBeUndefined();
    expect(fit.warnings).toEqual([
      "the site has no genes; the model's 2000 inputs are zero-filled (patients flagged absent)",
      "images are re-read at the run's size 16×16×1 (site config says 8×8×1)",
    ]);
  });

  it('reads nothing of a modality the model leaves out: no size check, no zero-fill warning', () => {
    const ehrOnly = {
      ...spec,
      modalities: ['ehr' as const],
      genomicsDim: 2000,
      imageShape: [64, 64, 1] as [number, number, number],
    };
    expect(checkSpecFit(ehrOnly, data)).toEqual({ warnings: [] });
    const ehrSite = { ...data, genomicsDim: 0, modalityCounts: { ehr: 10, imaging: 0, genomics: 0 } };
    expect(checkSpecFit(ehrOnly, ehrSite)).toEqual({ warnings: [] });
    // The same site under a tri-modal model is told what is zero-filled.
    expect(checkSpecFit({ ...spec, genomicsDim: 2000 }, ehrSite).warnings).toHaveLength(1);
  });

  it('refuses a model none of whose modalities the site has', () => {
    const ehrSite = { ...data, modalityCounts: { ehr: 10, imaging: 0, genomics: 0 } };
    expect(checkSpecFit({ ...spec, modalities: ['imaging', 'genomics'] }, ehrSite).error).toBe(
      "modelSpec.modalities: the run's model reads imaging, genomics but this site has none of them",
    );
  });

  it('refuses a spec sharing no task with the site, and warns about tasks the site does not label', () => {
    expect(checkSpecFit({ ...spec, tasks: ['mortality'] }, data).error).toMatch(
      /trains mortality but this site labels only cancer, cardiac/,
    );
    expect(checkSpecFit({ ...spec, tasks: ['cancer', 'metabolic'] }, data)).toEqual({
      warnings: ['the site has no labels for metabolic; those heads are not trained here'],
    });
  });
});

describe(checkEvaluateTasks.name, () => {
  it('names tasks the model does not have', () => {
    expect(checkEvaluateTasks(spec, ['cancer'])).toBeUndefined();
    expect(checkEvaluateTasks(spec, ['cancer', 'metabolic'])).toBe(
      "config.tasks: metabolic is not among the model's tasks (cancer, cardiac)",
    );
  });
});
