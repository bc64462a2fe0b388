import { MODALITIES, type Modality } from '@fedfuse/model/spec';
import { SYNTHETIC_TASKS, type ResolvedOptions, type SyntheticTask } from './options.ts';
import { Rng } from './rng.ts';

/** Base prevalence per task before the per-site Dirichlet skew. */
const BASE_PREVALENCE: Record<SyntheticTask, number> = { cancer: 0.3, cardiac: 0.35, metabolic: 0.4 };

/** A site's scanner: images are mapped through x ↦ gain·x^gamma + offset, plus noise. */
export interface Scanner {
  gain: number;
  offset: number;
  gamma: number;
  noise: number;
}

/** Everything that makes one synthetic site different from the others. */
export interface SitePlan {
  index: number;
  name: string;
  idPrefix: string;
  patients: number;
  prevalence: Record<SyntheticTask, number>;
  missingRates: Record<Modality, number>;
  scanner: Scanner;
  pngBitDepth: 8 | 16;
  orientation: 'samples-by-genes' | 'genes-by-samples';
}

/** Draws the per-site heterogeneity: sizes, label mix, missing rates, scanner, file flavours. */
export function planSites(options: ResolvedOptions): SitePlan[] {
  const sizes = siteSizes(options);
  return sizes.map((patients, index) => {
    const rng = Rng.derive(options.seed, 'site', index, 'plan');
    const prevalence = Object.fromEntries(
      SYNTHETIC_TASKS.map((task) => {
        // Dirichlet over {positive, negative} around the base rate; clamped so both classes exist.
        const [p = 0.5] = rng.dirichlet([
          options.labelSkew * BASE_PREVALENCE[task],
          options.labelSkew * (1 - BASE_PREVALENCE[task]),
        ]);
        return [task, Math.min(0.8, Math.max(0.08, p))];
      }),
    ) as Record<SyntheticTask, number>;
    const missingRates = Object.fromEntries(
      MODALITIES.map((m) => [m, rng.between(...options.missingRates[m])]),
    ) as Record<Modality, number>;
    const k = options.scannerShift;
    const scanner: Scanner = {
      gain: Math.exp(0.1 * k * rng.normal()),
      offset: 0.04 * k * rng.normal(),
      gamma: Math.exp(0.12 * k * rng.normal()),
      noise: 0.015 + 0.015 * k * rng.uniform(),
    };
    const orientation =
      options.genomicsOrientation === 'alternate'
        ? index % 2 === 0
          ? 'samples-by-genes'
          : 'genes-by-samples'
        : options.genomicsOrientation;
    return {
      index,
      name: `site-${index + 1}`,
      idPrefix: `S${index + 1}-`,
      patients,
      prevalence,
      missingRates,
      scanner,
      pngBitDepth: index % 2 === 0 ? 8 : 16,
      orientation,
    };
  });
}

/** Unequal sizes: a seeded permutation of an even spread over (1 ± sizeSkew) × the average. */
function siteSizes(options: ResolvedOptions): number[] {
  if (Array.isArray(options.patientsPerSite)) return [...options.patientsPerSite];
  const n = options.patientsPerSite;
  const s = options.sites;
  const spread = Array.from({ length: s }, (_, i) =>
    s === 1 ? 1 : 1 + options.sizeSkew * ((2 * i) / (s - 1) - 1),
  );
  return Rng.derive(options.seed, 'sizes')
    .shuffle(spread)
    .map((w) => Math.max(10, Math.round(n * w)));
}
