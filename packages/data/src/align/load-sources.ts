import type { SiteConfig } from '../config/site-config.ts';
import { loadEhrCsv } from '../loaders/ehr-csv.ts';
import { loadEhrFhir } from '../loaders/ehr-fhir.ts';
import type { EhrResult } from '../loaders/ehr-schema.ts';
import { loadGenePanel } from '../loaders/gene-panel.ts';
import { indexGenomics, type GenomicsIndex } from '../loaders/genomics-index.ts';
import { readManifest, type ManifestResult } from '../loaders/imaging.ts';
import { loadLabels, type LabelsResult, type Split } from '../loaders/labels.ts';
import { splitValidation } from './validation-split.ts';

/** Everything read in the first pass: small files whole, large ones indexed only. */
export interface SiteSources {
  labels?: LabelsResult;
  ehr?: EhrResult;
  manifest?: ManifestResult;
  genomics?: { panel: string[]; index: GenomicsIndex };
}

/** Reads labels, EHR and the manifest, and indexes the expression matrix (no values kept yet). */
export async function loadSources(config: SiteConfig): Promise<SiteSources> {
  const common = {
    idColumn: config.idColumn,
    missingValues: new Set(config.missingValues),
    maxRejectedFraction: config.maxRejectedFraction,
  };
  const sources: SiteSources = {};
  if (config.labels)
    sources.labels = await loadLabels({ config: config.labels, tasks: config.tasks, ...common });
  if (config.ehr) {
    const load = config.ehr.format === 'fhir' ? loadEhrFhir : loadEhrCsv;
    sources.ehr = await load({ config: config.ehr, ...common });
  }
  if (config.imaging) sources.manifest = await readManifest({ config: config.imaging, ...common });
  if (config.genomics) {
    const panel = await loadGenePanel(config.genomics.panel);
    const index = await indexGenomics({ config: config.genomics, panel, idColumn: config.idColumn });
    sources.genomics = { panel, index };
  }
  return sources;
}

const collator = new Intl.Collator('en', { numeric: true });

/** Patient ids per split (sorted, `S2` before `S10`) and the ids with no modality at all. */
export interface PatientLayout {
  ids: Record<Split, string[]>;
  none: string[];
}

/**
 * Puts every patient with at least one modality in its split; labels-only patients go to `none`. When the
 * labels file marks no validation patient, `validationFraction` of the training patients become it.
 */
export function layoutPatients(sources: SiteSources, options: { validationFraction: number }): PatientLayout {
  const withData = new Set<string>([
    ...(sources.ehr?.records.keys() ?? []),
    ...(sources.manifest?.entries.keys() ?? []),
    ...(sources.genomics?.index.samples.keys() ?? []),
  ]);
  const layout: PatientLayout = { ids: { train: [], validation: [], test: [] }, none: [] };
  for (const id of [...withData].sort(collator.compare)) {
    layout.ids[sources.labels?.records.get(id)?.split ?? 'train'].push(id);
  }
  // Without labels nothing can be scored, so nothing is held out.
  const records = sources.labels?.records;
  if (layout.ids.validation.length === 0 && records) {
    const patients = layout.ids.train.map((id) => ({ id, labels: records.get(id)?.values }));
    const { train, validation } = splitValidation(patients, options.validationFraction);
    layout.ids.train = train;
    layout.ids.validation = validation;
  }
  for (const id of sources.labels?.records.keys() ?? []) if (!withData.has(id)) layout.none.push(id);
  layout.none.sort(collator.compare);
  return layout;
}
