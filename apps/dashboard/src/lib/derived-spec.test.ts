import { describe, expect, it } from 'vitest';
import type { DerivedModelSpec } from '@fedfuse/protocol';
import { derivedPlaceholders, derivedRows } from './derived-spec.ts';

const schema = {
  modalities: ['ehr' as const],
  ehr: { dim: 21, namesHash: 'h' },
  genomics: null,
  imageShape: null,
  tasks: {},
};
const agreed: DerivedModelSpec = {
  ok: true,
  inputs: { modalities: ['ehr'], tasks: ['outcome'], ehrDim: 21, genomicsDim: 2000, imageShape: [64, 64, 1] },
  problems: [],
  sites: [
    { id: 'a', name: 'Hospital A', schema },
    { id: 'b', name: 'Hospital B', schema },
  ],
  unreported: [{ id: 'c', name: 'Hospital C' }],
  texture: null,
};

describe('the derived model spec in the new-run form', () => {
  it('shows the derived values as placeholders, and a modality no site has as absent', () => {
    expect(derivedPlaceholders(agreed)).toEqual({
      tasks: 'outcome',
      ehrDim: '21',
      genomicsDim: 'no genomics at any site',
      imageShape: 'no imaging at any site',
    });
    expect(derivedPlaceholders(undefined)).toEqual({});
  });

  it('lists the sites, what was derived, and every reason a run would not start', () => {
    expect(derivedRows(agreed).map((r) => `${r.label}: ${r.value}`)).toEqual([
      'From sites: Hospital A, Hospital B',
      'Not reported: Hospital C',
      'Modalities: ehr',
      'Tasks: outcome',
      'EHR inputs: 21',
      'Genes: no genomics at any site',
      'Image shape: no imaging at any site',
    ]);
    const imaging = {
      ...agreed,
      inputs: { ...agreed.inputs!, modalities: ['ehr', 'imaging'] },
      texture: 'standardised by constants pooled over 2 site(s)',
    };
    expect(derivedRows(imaging).at(-1)).toEqual({
      label: 'Image texture',
      value: 'standardised by constants pooled over 2 site(s)',
    });
    const disagreeing = {
      ...agreed,
      ok: false,
      inputs: null,
      problems: ['sites disagree on the EHR columns: …'],
    };
    expect(derivedRows(disagreeing).at(-1)).toEqual({
      label: 'Cannot start',
      value: 'sites disagree on the EHR columns: …',
    });
  });
});
