import { concatBatches, generate, loadSite, type GeneratedFederation, type ModelBatch } from '@fedfuse/data';

/** How the synthetic sites differ from each other. */
export interface Heterogeneity {
  /** Identically distributed sites: same label mix, size, missing rates, scanner and expression batch. */
  iid: boolean;
  /** Dirichlet concentration of each site's label mix (small: strong skew); ignored when iid. */
  labelSkew: number;
}

/** What to generate. */
export interface FederationOptions extends Heterogeneity {
  outDir: string;
  seed: number;
  sites: number;
  patientsPerSite: number;
  imageSize: number;
  genes: number;
}

/** The rate halfway through the generator's default range, for IID sites. */
const IID_MISSING = { ehr: [0.04, 0.04], imaging: [0.27, 0.27], genomics: [0.32, 0.32] } as const;

/** Writes the site folders with the data package's generator (EHR CSV, PNG/DICOM, TSV, labels, site.yaml). */
export function generateFederation(options: FederationOptions): Promise<GeneratedFederation> {
  const common = {
    outDir: options.outDir,
    seed: options.seed,
    sites: options.sites,
    patientsPerSite: options.patientsPerSite,
    imageSize: options.imageSize,
    genes: options.genes,
    moduleSize: Math.min(50, Math.floor(options.genes / 10)),
  };
  if (!options.iid) return generate({ ...common, labelSkew: options.labelSkew });
  return generate({
    ...common,
    labelSkew: 1e6,
    sizeSkew: 0,
    scannerShift: 0,
    batchEffect: 0,
    missingRates: {
      ehr: [...IID_MISSING.ehr],
      imaging: [...IID_MISSING.imaging],
      genomics: [...IID_MISSING.genomics],
    },
  });
}

/** The generated sites as the simulator's final evaluation (and central baselines) see them. */
export interface LoadedFederation {
  tasks: string[];
  ehrDim: number;
  genomicsDim: number;
  imageShape: [number, number, number];
  /** Every site's held-out split, stacked. */
  pooledTest: ModelBatch;
  /** Per site: its train split (only when asked for), its size, and its held-out split. */
  sites: { name: string; trainCount: number; train?: ModelBatch; test: ModelBatch }[];
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
      ...(options.keepTrain ? { train: site.train.batch } : {}),
    });
  }
  if (!shape) throw new Error('the federation has no sites');
  return { ...shape, sites, pooledTest: concatBatches(sites.map((s) => s.test)) };
}
