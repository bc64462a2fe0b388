import { createHash } from 'node:crypto';
import type { SiteDataSchema } from '@fedfuse/protocol';

const listHash = (names: readonly string[]) => createHash('sha256').update(names.join('\n')).digest('hex');

/** EHR columns as a daemon encodes them: numeric, `name=level` one-hots, then missingness indicators. */
export const EHR_COLUMNS = ['age', 'bmi', 'sex=F', 'sex=M', 'age_missing', 'bmi_missing'];
/** A 12-gene panel, in panel order. */
export const PANEL = Array.from({ length: 12 }, (_, i) => `GENE${i + 1}`);

/**
 * The data schema a daemon would report, tri-modal by default (6 EHR columns, 12 genes, 16×16×1 images,
 * tasks cancer and cardiac); `options` change one part, as a site with different data would.
 */
export function siteSchema(
  options: {
    modalities?: SiteDataSchema['modalities'];
    ehrColumns?: string[];
    genes?: string[];
    imageShape?: [number, number, number];
    tasks?: SiteDataSchema['tasks'];
    /** Texture sums over the training images (default: left out, as a daemon before them). */
    imageTexture?: SiteDataSchema['imageTexture'];
  } = {},
): SiteDataSchema {
  const modalities = options.modalities ?? ['ehr', 'imaging', 'genomics'];
  const ehr = options.ehrColumns ?? EHR_COLUMNS;
  const genes = options.genes ?? PANEL;
  return {
    modalities,
    ehr: modalities.includes('ehr') ? { dim: ehr.length, namesHash: listHash(ehr), names: ehr } : null,
    genomics: modalities.includes('genomics') ? { genes: genes.length, panelHash: listHash(genes) } : null,
    imageShape: modalities.includes('imaging') ? (options.imageShape ?? [16, 16, 1]) : null,
    ...(options.imageTexture === undefined ? {} : { imageTexture: options.imageTexture }),
    tasks: options.tasks ?? { cancer: { train: 40, test: 10 }, cardiac: { train: 30, test: 10 } },
  };
}
