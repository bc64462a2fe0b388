// What the new-run form shows about the model inputs the coordinator derives from the approved sites.
import type { DerivedModelSpec } from '@fedfuse/protocol';

/** Form fields the sites can fill in, and the text shown for each as the value it would get. */
export type DerivedField = 'tasks' | 'ehrDim' | 'genomicsDim' | 'imageShape';

/** One line of the derived-spec panel. */
export interface DerivedRow {
  label: string;
  value: string;
}

/** The derived values as the form's placeholders; empty when the sites disagree or none reported. */
export function derivedPlaceholders(
  spec: DerivedModelSpec | undefined,
): Partial<Record<DerivedField, string>> {
  const inputs = spec?.inputs;
  if (!inputs) return {};
  const absent = (modality: string) => !inputs.modalities.includes(modality);
  return {
    tasks: inputs.tasks.join(', '),
    ehrDim: absent('ehr') ? 'no EHR at any site' : String(inputs.ehrDim),
    genomicsDim: absent('genomics') ? 'no genomics at any site' : String(inputs.genomicsDim),
    imageShape: absent('imaging') ? 'no imaging at any site' : inputs.imageShape.join('×'),
  };
}

/** The panel's lines: where the inputs come from, what they are, and what keeps a run from starting. */
export function derivedRows(spec: DerivedModelSpec): DerivedRow[] {
  const rows: DerivedRow[] = [
    { label: 'From sites', value: spec.sites.map((s) => s.name).join(', ') || 'none has reported yet' },
  ];
  if (spec.unreported.length > 0)
    rows.push({ label: 'Not reported', value: spec.unreported.map((s) => s.name).join(', ') });
  if (spec.inputs) {
    const hints = derivedPlaceholders(spec);
    rows.push(
      { label: 'Modalities', value: spec.inputs.modalities.join(', ') },
      { label: 'Tasks', value: hints.tasks ?? '' },
      { label: 'EHR inputs', value: hints.ehrDim ?? '' },
      { label: 'Genes', value: hints.genomicsDim ?? '' },
      { label: 'Image shape', value: hints.imageShape ?? '' },
    );
    if (spec.texture) rows.push({ label: 'Image texture', value: spec.texture });
  }
  for (const problem of spec.problems) rows.push({ label: 'Cannot start', value: problem });
  return rows;
}
