import { createHash } from 'node:crypto';
import type { SiteData } from '@fedfuse/data';
import { textureSums } from '@fedfuse/model';
import type { ModelModality, SiteDataSchema } from '@fedfuse/protocol';
import {
  MAX_SCHEMA_EHR_NAMES,
  MAX_SCHEMA_EHR_NAME_LENGTH,
  MAX_TEXTURE_ENERGIES,
  MIN_TEXTURE_IMAGES,
  MODEL_MODALITIES,
} from '@fedfuse/protocol';

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
    ...(modalities.includes('imaging') ? trainingTexture(site) : {}),
    tasks,
  };
}

/** The texture sums of the training images, when there are enough of them to share a sum. */
function trainingTexture(site: SiteData): Pick<SiteDataSchema, 'imageTexture'> {
  const [h, w] = site.imageShape;
  if (h < 4 || w < 4) return { imageTexture: null }; // too small for the coarser scale's windows
  const sums = textureSums(site.train.batch, site.imageShape);
  const shareable = sums.images >= MIN_TEXTURE_IMAGES && sums.sum.length <= MAX_TEXTURE_ENERGIES;
  return { imageTexture: shareable ? sums : null };
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
  if (schema.imageTexture)
    out.push(
      `  texture      sums of ${schema.imageTexture.sum.length} energies over ${schema.imageTexture.images} training images`,
    );
  else if (schema.imageTexture === null)
    out.push(
      `  texture      not shared (fewer than ${MIN_TEXTURE_IMAGES} training images, or images under 4×4)`,
    );
  for (const [task, splits] of Object.entries(schema.tasks)) {
    const bySplit = Object.entries(splits).map(([split, n]) => `${split} ${n}`);
    out.push(`  task ${task.padEnd(8)} labelled: ${bySplit.join(', ')}`);
  }
  return out.join('\n');
}
