import {
  DEFAULT_IMAGE_SHAPE,
  DEFAULT_VALIDATION_FRACTION,
  loadSiteConfig,
  type SiteConfig,
} from '../config/site-config.ts';
import type { Rejection } from '../errors.ts';
import { ehrDim, ehrFeatureNames, type EhrSchema } from '../loaders/ehr-schema.ts';
import { fillGenomics, type GenomicsSlot } from '../loaders/genomics-fill.ts';
import { loadImagesInto, type LoadImagesOptions } from '../loaders/imaging.ts';
import type { Split } from '../loaders/labels.ts';
import type { ModelBatch } from '@fedfuse/model/spec';
import type { FeatureStats } from '../stats/feature-stats.ts';
import { buildReport } from './build-report.ts';
import { layoutPatients, loadSources, type PatientLayout, type SiteSources } from './load-sources.ts';
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
  const plan = planBatches({ config, sources, imageShape: options.imageShape });
  const lateRejections: Rejection[] = [];
  fillSmallSources({ sources, ...plan });
  await fillLargeSources({ config, sources, ...plan, reject: (r) => void lateRejections.push(r) });
  const [train, validation, test] = SPLITS.map((split) =>
    compactBatch({ batch: plan.batches[split], ids: plan.layout.ids[split], dims: plan.dims }),
  ) as [Compacted, Compacted, Compacted];
  const site = finishSite({ config, plan, train, validation, test, stats: options.stats });
  const none = [...plan.layout.none, ...train.dropped, ...validation.dropped, ...test.dropped];
  return { ...site, report: buildReport({ config, sources, site, none, lateRejections }) };
}

type Compacted = ReturnType<typeof compactBatch>;

/** Where every patient goes and the arrays they go into, allocated once at their final size. */
interface BatchPlan {
  layout: PatientLayout;
  schema: EhrSchema;
  genes: string[];
  imageShape: [number, number, number];
  dims: BatchDims;
  batches: Record<Split, ModelBatch>;
  slots: Map<string, { split: Split; row: number }>;
}

function planBatches(o: {
  config: SiteConfig;
  sources: SiteSources;
  imageShape?: [number, number, number];
}): BatchPlan {
  const validationFraction = o.config.labels?.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  const layout = layoutPatients(o.sources, { validationFraction });
  const schema = o.sources.ehr?.schema ?? { numeric: [], categorical: [], units: {} };
  const genes = o.sources.genomics?.panel ?? [];
  const imageShape = o.imageShape ?? o.config.imaging?.shape ?? [...DEFAULT_IMAGE_SHAPE];
  const dims: BatchDims = {
    ehr: ehrDim(schema),
    image: imageShape[0] * imageShape[1] * imageShape[2],
    genomics: genes.length,
    tasks: o.config.tasks.length,
  };
  const batches = {
    train: allocateBatch(layout.ids.train.length, dims),
    validation: allocateBatch(layout.ids.validation.length, dims),
    test: allocateBatch(layout.ids.test.length, dims),
  };
  const slots = new Map<string, { split: Split; row: number }>();
  for (const split of SPLITS) layout.ids[split].forEach((id, row) => slots.set(id, { split, row }));
  return { layout, schema, genes, imageShape, dims, batches, slots };
}

/** Computes the train split's statistics and standardizes every split with the chosen ones. */
function finishSite(o: {
  config: SiteConfig;
  plan: BatchPlan;
  train: Compacted;
  validation: Compacted;
  test: Compacted;
  stats: FeatureStats | undefined;
}): Omit<SiteData, 'report'> {
  const { schema, genes, dims, imageShape } = o.plan;
  const localStats = batchStats(o.train.batch, { ehrNumeric: schema.numeric, ehrWidth: dims.ehr, genes });
  const normalization = standardizeBatches({
    batches: [o.train.batch, o.validation.batch, o.test.batch],
    stats: o.stats ?? localStats,
    ehrWidth: dims.ehr,
    numeric: schema.numeric.length,
    genes: genes.length,
  });
  return {
    site: o.config.site,
    tasks: o.config.tasks,
    ehrFeatureNames: ehrFeatureNames(schema),
    ehrNumericCount: schema.numeric.length,
    genes,
    imageShape: [imageShape[0], imageShape[1], imageShape[2]],
    train: { batch: o.train.batch, patientIds: o.train.ids },
    validation: { batch: o.validation.batch, patientIds: o.validation.ids },
    test: { batch: o.test.batch, patientIds: o.test.ids },
    localStats,
    normalization,
  };
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

/** Inputs of the second pass: the plan's arrays and where each patient's row is. */
interface FillOptions {
  config: SiteConfig;
  sources: SiteSources;
  slots: Map<string, { split: Split; row: number }>;
  batches: Record<Split, ModelBatch>;
  imageShape: [number, number, number];
  reject: (r: Rejection) => void;
}

/** Decodes images and parses expression values straight into their rows. */
async function fillLargeSources(o: FillOptions): Promise<void> {
  await fillImages(o);
  await fillExpression(o);
}

function flagger(o: FillOptions): (id: string, modality: 1 | 2, value: 0 | 1) => void {
  return (id, modality, value) => {
    const s = o.slots.get(id);
    if (s) o.batches[s.split].present[s.row * 3 + modality] = value;
  };
}

async function fillImages(o: FillOptions): Promise<void> {
  const { manifest } = o.sources;
  if (!manifest || !o.config.imaging) return;
  const flag = flagger(o);
  const jobs: LoadImagesOptions['jobs'] = [];
  for (const [id, entry] of manifest.entries) {
    const s = o.slots.get(id);
    if (s) jobs.push({ id, entry, dst: o.batches[s.split].image, slot: s.row });
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

async function fillExpression(o: FillOptions): Promise<void> {
  const { genomics } = o.sources;
  if (!genomics || !o.config.genomics) return;
  const flag = flagger(o);
  const slots = new Map<string, GenomicsSlot>();
  for (const id of genomics.index.samples.keys()) {
    const s = o.slots.get(id);
    if (s) slots.set(id, { dst: o.batches[s.split].genomics, slot: s.row });
  }
  slots.forEach((_, id) => flag(id, 2, 1));
  const failed = await fillGenomics({
    index: genomics.index,
    panel: genomics.panel,
    transform: o.config.genomics.transform,
    slots,
    missingValues: new Set(o.config.missingValues),
    reject: o.reject,
  });
  failed.forEach((id) => flag(id, 2, 0));
}
