import { blockStats, restandardize, type BlockView } from '../stats/block-stats.ts';
import {
  mergeFeatureStats,
  toNormalization,
  type FeatureStats,
  type Normalization,
} from '../stats/feature-stats.ts';
import { SPLITS, type SiteData } from './site-data.ts';
import type { ModelBatch } from '@fedfuse/model/spec';

/** Views of the standardized EHR columns and the genomics block of one batch. */
function blockViews(batch: ModelBatch, options: { ehrWidth: number; numeric: number; genes: number }) {
  const { ehrWidth, numeric, genes } = options;
  const ehr: BlockView = {
    data: batch.ehr,
    n: batch.n,
    width: ehrWidth,
    cols: numeric,
    present: (r) => batch.present[r * 3] === 1,
    missing: (r, c) => batch.ehr[r * ehrWidth + ehrWidth - numeric + c] === 1,
  };
  const genomics: BlockView = {
    data: batch.genomics,
    n: batch.n,
    width: genes,
    cols: genes,
    present: (r) => batch.present[r * 3 + 2] === 1,
  };
  return { ehr, genomics };
}

/** Raw statistics of a (not yet standardized) batch. */
export function batchStats(
  batch: ModelBatch,
  names: { ehrNumeric: string[]; ehrWidth: number; genes: string[] },
): FeatureStats {
  const views = blockViews(batch, {
    ehrWidth: names.ehrWidth,
    numeric: names.ehrNumeric.length,
    genes: names.genes.length,
  });
  return { ehr: blockStats(views.ehr, names.ehrNumeric), genomics: blockStats(views.genomics, names.genes) };
}

/** Standardizes raw batches in place with the given statistics (checked against the site's features). */
export function standardizeBatches(options: {
  batches: ModelBatch[];
  stats: FeatureStats;
  ehrWidth: number;
  numeric: number;
  genes: number;
  from?: { ehr: Normalization; genomics: Normalization };
}): { ehr: Normalization; genomics: Normalization } {
  const to = { ehr: toNormalization(options.stats.ehr), genomics: toNormalization(options.stats.genomics) };
  for (const batch of options.batches) {
    const views = blockViews(batch, options);
    restandardize(views.ehr, options.from ? { from: options.from.ehr, to: to.ehr } : { to: to.ehr });
    restandardize(
      views.genomics,
      options.from ? { from: options.from.genomics, to: to.genomics } : { to: to.genomics },
    );
  }
  return to;
}

/**
 * Re-standardizes a loaded site in place with other statistics, typically the federation's
 * `mergeFeatureStats` of every site's `localStats`. Throws when the features differ.
 * @example applyFeatureStats(site, mergeFeatureStats([a.localStats, b.localStats]));
 */
export function applyFeatureStats(site: SiteData, stats: FeatureStats): SiteData {
  // Merging with the site's own stats shape-checks the names before anything is modified.
  mergeFeatureStats([site.localStats, stats]);
  site.normalization = standardizeBatches({
    batches: SPLITS.map((s) => site[s].batch),
    stats,
    ehrWidth: site.ehrFeatureNames.length,
    numeric: site.ehrNumericCount,
    genes: site.genes.length,
    from: site.normalization,
  });
  return site;
}
