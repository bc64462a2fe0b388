import {
  concatBatches,
  generate,
  loadSite,
  selectRows,
  type GeneratedFederation,
  type ImageFamily,
  type Modality,
  type ModelBatch,
} from '@fedfuse/data';
import { recalibrationRows } from '@fedfuse/model';
import type { SiteRecalibration } from './final-evaluation.ts';

/** How the synthetic sites differ from each other. */
export interface Heterogeneity {
  /** Identically distributed sites: same label mix, size, missing rates, scanner and expression batch. */
  iid: boolean;
  /** Dirichlet concentration of each site's label mix (small: strong skew); ignored when iid. */
  labelSkew: number;
  /** Factor on the generator's missing-modality rates (1: EHR 0–8 %, imaging 15–40 %, genomics 20–45 %). */
  missingScale: number;
}

/** What to generate. */
export interface FederationOptions extends Heterogeneity {
  outDir: string;
  seed: number;
  sites: number;
  patientsPerSite: number;
  imageSize: number;
  imageFamily: ImageFamily;
  genes: number;
}

/** The generator's default ranges of per-site missing-modality rates (docs/synthetic-data.md). */
const MISSING: Record<Modality, [number, number]> = {
  ehr: [0, 0.08],
  imaging: [0.15, 0.4],
  genomics: [0.2, 0.45],
};

/** Per-site rate ranges scaled by `scale`; IID sites all get the middle of the range. */
function missingRates(scale: number, iid: boolean): Record<Modality, [number, number]> {
  const range = ([lo, hi]: [number, number]): [number, number] =>
    iid ? [((lo + hi) / 2) * scale, ((lo + hi) / 2) * scale] : [lo * scale, hi * scale];
  return { ehr: range(MISSING.ehr), imaging: range(MISSING.imaging), genomics: range(MISSING.genomics) };
}

/** Writes the site folders with the data package's generator (EHR CSV, PNG/DICOM, TSV, labels, site.yaml). */
export function generateFederation(options: FederationOptions): Promise<GeneratedFederation> {
  const common = {
    outDir: options.outDir,
    seed: options.seed,
    sites: options.sites,
    patientsPerSite: options.patientsPerSite,
    imageSize: options.imageSize,
    imageFamily: options.imageFamily,
    genes: options.genes,
    moduleSize: Math.min(50, Math.floor(options.genes / 10)),
    missingRates: missingRates(options.missingScale, options.iid),
  };
  if (!options.iid) return generate({ ...common, labelSkew: options.labelSkew });
  return generate({ ...common, labelSkew: 1e6, sizeSkew: 0, scannerShift: 0, batchEffect: 0 });
}

/** The generated sites as the simulator's final evaluation (and central baselines) see them. */
export interface LoadedFederation {
  tasks: string[];
  ehrDim: number;
  genomicsDim: number;
  imageShape: [number, number, number];
  /** Every site's held-out split, stacked. */
  pooledTest: ModelBatch;
  /**
   * Per site: its train split (only when asked for), its size, its held-out split, and the rows of its
   * train and validation splits that its intercepts are refitted on (what a daemon recalibrates on).
   */
  sites: {
    name: string;
    trainCount: number;
    train?: ModelBatch;
    test: ModelBatch;
    recalibration: Record<RecalibrationSplit, ModelBatch>;
  }[];
}

/** The split a site refits its intercepts on: validation under record-level DP, else train. */
export type RecalibrationSplit = 'train' | 'validation';

/** The rows of a split a daemon fits its intercepts on (at most MAX_RECALIBRATION_ROWS, evenly strided). */
function recalibrationBatch(batch: ModelBatch): ModelBatch {
  return selectRows(batch, { rows: recalibrationRows(batch.n) }).batch;
}

/**
 * Loads every site exactly as its daemon does (its own folder, its own training-split statistics), one at
 * a time so that only the held-out splits (and train splits, when asked) stay in memory.
 */
export async function loadFederation(
  federation: GeneratedFederation,
  options: { keepTrain: boolean },
): Promise<LoadedFederation> {
  const sites: LoadedFederation['sites'] = [];
  let shape: Omit<LoadedFederation, 'pooledTest' | 'sites'> | undefined;
  for (const generated of federation.sites) {
    const site = await loadSite({ config: generated.config });
    shape ??= {
      tasks: site.tasks,
      ehrDim: site.ehrFeatureNames.length,
      genomicsDim: site.genes.length,
      imageShape: site.imageShape,
    };
    if (site.tasks.join() !== shape.tasks.join() || site.genes.length !== shape.genomicsDim) {
      throw new Error(`site ${site.site} does not share the federation's tasks and gene panel`);
    }
    sites.push({
      name: generated.name,
      trainCount: site.train.batch.n,
      test: site.test.batch,
      recalibration: {
        train: recalibrationBatch(site.train.batch),
        validation: recalibrationBatch(site.validation.batch),
      },
      ...(options.keepTrain ? { train: site.train.batch } : {}),
    });
  }
  if (!shape) throw new Error('the federation has no sites');
  return { ...shape, sites, pooledTest: concatBatches(sites.map((s) => s.test)) };
}

/** Every site's recalibration rows in the pooled held-out batch's order, for the final evaluation. */
export function pooledRecalibration(loaded: LoadedFederation, split: RecalibrationSplit): SiteRecalibration {
  return loaded.sites.map((s) => ({ rows: s.test.n, calibrateOn: s.recalibration[split] }));
}
