import { createHash } from 'node:crypto';
import type { SiteData } from '@fedfuse/data';
import type { ModelModality, SiteDataSchema } from '@fedfuse/protocol';
import { MAX_SCHEMA_EHR_NAMES, MAX_SCHEMA_EHR_NAME_LENGTH, MODEL_MODALITIES } from '@fedfuse/protocol';

const listHash = (names: readonly string[]) => createHash('sha256').update(names.join('\n')).digest('hex');

/**
 * The schema a site reports and `fedfuse-client check` prints: column names and levels, the panel's size and
 * hash, the image shape and labelled counts. It is built from the loaded site's layout, never from a value.
 */
export function siteDataSchema(site: SiteData): SiteDataSchema {
  const counts = site.report.modalityCounts;
  const modalities = MODEL_MODALITIES.filter((m: ModelModality) => counts[m] > 0);
  const names = site.ehrFeatureNames;
  const listable =
    names.length <= MAX_SCHEMA_EHR_NAMES && names.every((n) => n.length <= MAX_SCHEMA_EHR_NAME_LENGTH);
  const tasks: SiteDataSchema['tasks'] = {};
  for (const task of site.tasks) {
    tasks[task] = Object.fromEntries(
      Object.entries(site.report.splits).map(([split, s]) => [split, s.labelled[task] ?? 0]),
    );
  }
  return {
    modalities,
    ehr:
      modalities.includes('ehr') && names.length > 0
        ? { dim: names.length, namesHash: listHash(names), ...(listable ? { names: [...names] } : {}) }
        : null,
    genomics:
      modalities.includes('genomics') && site.genes.length > 0
        ? { genes: site.genes.length, panelHash: listHash(site.genes) }
        : null,
    imageShape: modalities.includes('imaging') ? [...site.imageShape] : null,
    tasks,
  };
}

/** The schema as a site administrator reads it in `fedfuse-client check`. */
export function formatDataSchema(schema: SiteDataSchema): string {
  const out = ['Data schema (reported to the coordinator):'];
  out.push(`  modalities   ${schema.modalities.join(', ') || 'none'}`);
  if (schema.ehr) {
    const shown = schema.ehr.names ? `: ${schema.ehr.names.join(', ')}` : ' (names too many to list)';
    out.push(`  EHR          ${schema.ehr.dim} encoded columns${shown}`);
    out.push(`  EHR hash     ${schema.ehr.namesHash}`);
  }
  if (schema.genomics) {
    out.push(`  genes        ${schema.genomics.genes} (panel hash ${schema.genomics.panelHash})`);
  }
  if (schema.imageShape) out.push(`  image shape  ${schema.imageShape.join('×')}`);
  for (const [task, splits] of Object.entries(schema.tasks)) {
    const bySplit = Object.entries(splits).map(([split, n]) => `${split} ${n}`);
    out.push(`  task ${task.padEnd(8)} labelled: ${bySplit.join(', ')}`);
  }
  return out.join('\n');
}
