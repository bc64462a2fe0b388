import { DEFAULT_IMAGE_SHAPE, loadSiteConfig, type SiteConfig } from '../config/site-config.ts';
import type { Rejection } from '../errors.ts';
import { ehrDim, ehrFeatureNames } from '../loaders/ehr-schema.ts';
import { fillGenomics, type GenomicsSlot } from '../loaders/genomics-fill.ts';
import { loadImagesInto, type LoadImagesOptions } from '../loaders/imaging.ts';
import type { Split } from '../loaders/labels.ts';
import type { ModelBatch } from '../model-batch.ts';
import type { FeatureStats } from '../stats/feature-stats.ts';
import { buildReport } from './build-report.ts';
import { layoutPatients, loadSources, type SiteSources } from './load-sources.ts';
import { batchStats, standardizeBatches } from './normalize-site.ts';
import { allocateBatch, compactBatch, writeEhrRow, type BatchDims } from './split-batch.ts';
import { SPLITS, type SiteData } from './site-data.ts';

/** Options for {@link loadSite}. */
export interface LoadSiteOptions {
  /** Path of the site's YAML config, or an already validated config. */
  config: string | SiteConfig;
  /** The model's image input [height, width, channels]; overrides the config's `imaging.size`. */
  imageShape?: [number, number, number];
  /** Statistics to standardize with (e.g. the federation's merged stats); default: this site's train split. */
  stats?: FeatureStats;
}

/**
 * Loads a site folder into the model's tensors: one batch per split, rows aligned by patient
 * id, absent modalities zeroed and flagged, every rejected row in the report. Row problems
 * reject the row; file problems throw SiteDataError before anything is returned.
 * @example const site = await loadSite({ config: 'site-1/site.yaml' });
 */
export async function loadSite(options: LoadSiteOptions): Promise<SiteData> {
  const config = typeof options.config === 'string' ? await loadSiteConfig(options.config) : options.config;
  const sources = await loadSources(config);
  const layout = layoutPatients(sources);
  const schema = sources.ehr?.schema ?? { numeric: [], categorical: [], units: {} };
  const genes = sources.genomics?.panel ?? [];
  const imageShape = options.imageShape ?? config.imaging?.shape ?? [...DEFAULT_IMAGE_SHAPE];
  const dims: BatchDims = {
    ehr: ehrDim(schema),
    image: imageShape[0] * imageShape[1] * imageShape[2],
    genomics: genes.length,
    tasks: config.tasks.length,
  };
  const batches = {
    train: allocateBatch(layout.ids.train.length, dims),
    test: allocateBatch(layout.ids.test.length, dims),
  };
  const slots = new Map<string, { split: Split; row: number }>();
  for (const split of SPLITS) layout.ids[split].forEach((id, row) => slots.set(id, { split, row }));
  const lateRejections: Rejection[] = [];
  fillSmallSources({ sources, slots, batches, dims });
  await fillLargeSources({
    config,
    sources,
    slots,
    batches,
    imageShape,
    reject: (r) => void lateRejections.push(r),
  });
  const compacted = SPLITS.map((split) =>
    compactBatch({ batch: batches[split], ids: layout.ids[split], dims }),
  );
  const [train, test] = compacted as [(typeof compacted)[0], (typeof compacted)[0]];
  const names = { ehrNumeric: schema.numeric, ehrWidth: dims.ehr, genes };
  const localStats = batchStats(train.batch, names);
  const normalization = standardizeBatches({
    batches: [train.batch, test.batch],
    stats: options.stats ?? localStats,
    ehrWidth: dims.ehr,
    numeric: schema.numeric.length,
    genes: genes.length,
  });
  const site: Omit<SiteData, 'report'> = {
    site: config.site,
    tasks: config.tasks,
    ehrFeatureNames: ehrFeatureNames(schema),
    ehrNumericCount: schema.numeric.length,
    genes,
    imageShape: [imageShape[0], imageShape[1], imageShape[2]],
    train: { batch: train.batch, patientIds: train.ids },
    test: { batch: test.batch, patientIds: test.ids },
    localStats,
    normalization,
  };
  const none = [...layout.none, ...train.dropped, ...test.dropped];
  return { ...site, report: buildReport({ config, sources, site, none, lateRejections }) };
}

/** Labels and EHR are already in memory: copy them into their rows. */
function fillSmallSources(o: {
  sources: SiteSources;
  slots: Map<string, { split: Split; row: number }>;
  batches: Record<Split, ModelBatch>;
  dims: BatchDims;
}): void {
  for (const [id, { split, row }] of o.slots) {
    const batch = o.batches[split];
    const labels = o.sources.labels?.records.get(id);
    if (labels) batch.labels.set(labels.values, row * o.dims.tasks);
    const record = o.sources.ehr?.records.get(id);
    if (record && o.sources.ehr) {
      writeEhrRow({ dst: batch.ehr, row, schema: o.sources.ehr.schema, record });
      batch.present[row * 3] = 1;
    }
  }
}

/** Decodes images and parses expression values straight into their rows. */
async function fillLargeSources(o: {
  config: SiteConfig;
  sources: SiteSources;
  slots: Map<string, { split: Split; row: number }>;
  batches: Record<Split, ModelBatch>;
  imageShape: [number, number, number];
  reject: (r: Rejection) => void;
}): Promise<void> {
  const { sources, slots, batches } = o;
  const flag = (id: string, modality: 1 | 2, value: 0 | 1): void => {
    const s = slots.get(id);
    if (s) batches[s.split].present[s.row * 3 + modality] = value;
  };
  if (sources.manifest && o.config.imaging) {
    const jobs: LoadImagesOptions['jobs'] = [];
    for (const [id, entry] of sources.manifest.entries) {
      const s = slots.get(id);
      if (s) jobs.push({ id, entry, dst: batches[s.split].image, slot: s.row });
    }
    jobs.forEach((j) => flag(j.id, 1, 1));
    const failed = await loadImagesInto({
      manifest: o.config.imaging.manifest,
      jobs,
      shape: o.imageShape,
      resize: o.config.imaging.resize,
      reject: o.reject,
    });
    failed.forEach((id) => flag(id, 1, 0));
  }
  if (sources.genomics && o.config.genomics) {
    const gslots = new Map<string, GenomicsSlot>();
    for (const id of sources.genomics.index.samples.keys()) {
      const s = slots.get(id);
      if (s) gslots.set(id, { dst: batches[s.split].genomics, slot: s.row });
    }
    gslots.forEach((_, id) => flag(id, 2, 1));
    const failed = await fillGenomics({
      index: sources.genomics.index,
      panel: sources.genomics.panel,
      transform: o.config.genomics.transform,
      slots: gslots,
      missingValues: new Set(o.config.missingValues),
      reject: o.reject,
    });
    failed.forEach((id) => flag(id, 2, 0));
  }
}
