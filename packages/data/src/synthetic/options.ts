import type { Modality } from '@fedfuse/model/spec';

/** The generator's tasks, in label-column order. */
export const SYNTHETIC_TASKS = ['cancer', 'cardiac', 'metabolic'] as const;
/** One of the generator's tasks. */
export type SyntheticTask = (typeof SYNTHETIC_TASKS)[number];

/** The generator's image families: `chest` (the default, tuned with the model) and `axial` (a check). */
export const IMAGE_FAMILIES = ['chest', 'axial'] as const;
/** One of the generator's image families. */
export type ImageFamily = (typeof IMAGE_FAMILIES)[number];

/** How the modalities relate to the labels. */
export type SignalVariant = 'complementary' | 'redundant';

/** Options for {@link generate}; everything but `outDir` and `seed` has a demo-sized default. */
export interface GenerateOptions {
  outDir: string;
  seed: number;
  /** Number of hospital sites (default 3). */
  sites?: number;
  /** Average patients per site (default 300; sizes spread by `sizeSkew`), or one count per site. */
  patientsPerSite?: number | number[];
  /** Site sizes range over (1 ± sizeSkew) × the average (default 0.4). */
  sizeSkew?: number;
  /** Genes in each expression matrix (default 2000; at least 500). */
  genes?: number;
  /** Informative genes per latent factor module (default 50; six label modules, four nuisance ones). */
  moduleSize?: number;
  /** Image side in pixels (default 64). */
  imageSize?: number;
  /** What the images show: `chest` (default) or `axial`, written independently of the model. */
  imageFamily?: ImageFamily;
  /** Fraction of each site's patients marked `split=test` (default 0.2). */
  testFraction?: number;
  /** Dirichlet concentration of the per-site label mix: small means strong skew (default 20). */
  labelSkew?: number;
  /** Per-site missing-modality rate ranges, drawn uniformly per site. */
  missingRates?: Partial<Record<Modality, [number, number]>>;
  /** Log-odds increase of having an image per SD of the shared cardiac factor (default 1). */
  imagingForSuspectedCardiac?: number;
  /** Strength of the per-site scanner shift in intensity and contrast (default 1; 0 disables). */
  scannerShift?: number;
  /** Strength of the per-site expression batch effect (default 1; 0 disables). */
  batchEffect?: number;
  /** Fraction of images written as DICOM instead of PNG (default 0.1). */
  dicomFraction?: number;
  /** Fraction of label cells left blank (default 0.03). */
  labelMissingRate?: number;
  /** `complementary` (default) or `redundant`: every modality carries only the shared signal. */
  variant?: SignalVariant;
  /** Negative control: this modality's files carry no signal at all. */
  noiseModality?: Modality;
  /** Expression matrix orientation; `alternate` switches per site (default). */
  genomicsOrientation?: 'samples-by-genes' | 'genes-by-samples' | 'alternate';
}

/** Options with every default filled in. */
export type ResolvedOptions = Required<Omit<GenerateOptions, 'noiseModality' | 'patientsPerSite'>> & {
  patientsPerSite: number | number[];
  noiseModality: Modality | undefined;
  missingRates: Record<Modality, [number, number]>;
};

/** Fills defaults and checks ranges; throws RangeError naming the bad option. */
export function resolveOptions(o: GenerateOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    outDir: o.outDir,
    seed: o.seed,
    sites: o.sites ?? 3,
    patientsPerSite: o.patientsPerSite ?? 300,
    sizeSkew: o.sizeSkew ?? 0.4,
    genes: o.genes ?? 2000,
    moduleSize: o.moduleSize ?? 50,
    imageSize: o.imageSize ?? 64,
    imageFamily: o.imageFamily ?? 'chest',
    testFraction: o.testFraction ?? 0.2,
    labelSkew: o.labelSkew ?? 20,
    missingRates: {
      ehr: o.missingRates?.ehr ?? [0.0, 0.08],
      imaging: o.missingRates?.imaging ?? [0.15, 0.4],
      genomics: o.missingRates?.genomics ?? [0.2, 0.45],
    },
    imagingForSuspectedCardiac: o.imagingForSuspectedCardiac ?? 1,
    scannerShift: o.scannerShift ?? 1,
    batchEffect: o.batchEffect ?? 1,
    dicomFraction: o.dicomFraction ?? 0.1,
    labelMissingRate: o.labelMissingRate ?? 0.03,
    variant: o.variant ?? 'complementary',
    noiseModality: o.noiseModality,
    genomicsOrientation: o.genomicsOrientation ?? 'alternate',
  };
  validate(r);
  return r;
}

function validate(r: ResolvedOptions): void {
  check(Number.isInteger(r.seed), 'seed must be an integer');
  check(Number.isInteger(r.sites) && r.sites >= 1, 'sites must be a positive integer');
  const sizes = Array.isArray(r.patientsPerSite) ? r.patientsPerSite : [r.patientsPerSite];
  check(
    sizes.every((n) => Number.isInteger(n) && n >= 10),
    'patientsPerSite must be integers of at least 10',
  );
  check(
    !Array.isArray(r.patientsPerSite) || r.patientsPerSite.length === r.sites,
    'patientsPerSite needs one count per site',
  );
  check(r.sizeSkew >= 0 && r.sizeSkew < 1, 'sizeSkew must be in [0, 1)');
  check(Number.isInteger(r.genes) && r.genes >= 10 * r.moduleSize, 'genes must be at least 10 × moduleSize');
  check(Number.isInteger(r.moduleSize) && r.moduleSize >= 1, 'moduleSize must be a positive integer');
  check(Number.isInteger(r.imageSize) && r.imageSize >= 16, 'imageSize must be an integer of at least 16');
  check(
    IMAGE_FAMILIES.includes(r.imageFamily),
    `imageFamily must be one of ${IMAGE_FAMILIES.join(', ')}, got ${String(r.imageFamily)}`,
  );
  check(r.testFraction >= 0 && r.testFraction < 1, 'testFraction must be in [0, 1)');
  check(r.labelSkew > 0, 'labelSkew must be positive');
  for (const [m, [lo, hi]] of Object.entries(r.missingRates)) {
    check(
      lo >= 0 && hi <= 0.95 && lo <= hi,
      `missingRates.${m} must be a [low, high] range within [0, 0.95]`,
    );
  }
  check(r.dicomFraction >= 0 && r.dicomFraction <= 1, 'dicomFraction must be in [0, 1]');
  check(r.labelMissingRate >= 0 && r.labelMissingRate < 1, 'labelMissingRate must be in [0, 1)');
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`generate: ${message}`);
}
