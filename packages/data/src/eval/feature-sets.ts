import type { SiteData, SiteSplit } from '../align/site-data.ts';
import type { Design } from './logistic-regression.ts';

/** What a calibration model sees: one modality, or all three together. */
export type FeatureSet = 'ehr' | 'imaging' | 'genomics' | 'all';

/** Image summary grid: per block, mean and standard deviation (intensity and texture). */
const GRID = 8;

/** Column blocks of the `all` design, in order; a single-modality design is one of them. */
export function blockWidths(site: SiteData): { set: Exclude<FeatureSet, 'all'>; width: number }[] {
  return [
    { set: 'ehr', width: site.ehrFeatureNames.length },
    { set: 'imaging', width: 2 * GRID * GRID * site.imageShape[2] },
    { set: 'genomics', width: site.genes.length },
  ];
}

function widthOf(site: SiteData, set: FeatureSet): number {
  return blockWidths(site)
    .filter((b) => set === 'all' || b.set === set)
    .reduce((sum, b) => sum + b.width, 0);
}

function needs(set: FeatureSet): [boolean, boolean, boolean] {
  return set === 'all' ? [true, true, true] : [set === 'ehr', set === 'imaging', set === 'genomics'];
}

/** Writes 8×8 block means and standard deviations of one NHWC image. */
function imageSummary(o: {
  image: Float32Array;
  row: number;
  shape: [number, number, number];
  out: Float32Array;
  at: number;
}): void {
  const [h, w, c] = o.shape;
  const base = o.row * h * w * c;
  for (let by = 0; by < GRID; by++) {
    for (let bx = 0; bx < GRID; bx++) {
      for (let k = 0; k < c; k++) {
        let sum = 0;
        let sumSq = 0;
        let count = 0;
        for (let y = Math.floor((by * h) / GRID); y < Math.floor(((by + 1) * h) / GRID); y++) {
          for (let x = Math.floor((bx * w) / GRID); x < Math.floor(((bx + 1) * w) / GRID); x++) {
            const v = o.image[base + (y * w + x) * c + k] as number;
            sum += v;
            sumSq += v * v;
            count++;
          }
        }
        const mean = count > 0 ? sum / count : 0;
        const cell = ((by * GRID + bx) * c + k) * 2;
        o.out[o.at + cell] = mean;
        o.out[o.at + cell + 1] = Math.sqrt(Math.max(0, (count > 0 ? sumSq / count : 0) - mean * mean));
      }
    }
  }
}

/**
 * Builds a design matrix from several sites' splits: rows of patients holding the needed
 * modalities, columns EHR (as loaded), image block summaries, genes (as loaded).
 */
export function buildDesign(o: { sites: SiteData[]; split: 'train' | 'test'; set: FeatureSet }): {
  design: Design;
  y: Float32Array;
  /** Index of the site each row came from. */
  site: Int32Array;
} {
  const first = o.sites[0];
  if (!first) throw new RangeError('buildDesign needs at least one site');
  const d = widthOf(first, o.set);
  const want = needs(o.set);
  const picks: { split: SiteSplit; row: number; site: SiteData; k: number }[] = [];
  o.sites.forEach((site, k) => {
    const split = site[o.split];
    for (let i = 0; i < split.batch.n; i++) {
      if (want.every((need, m) => !need || split.batch.present[i * 3 + m] === 1))
        picks.push({ split, row: i, site, k });
    }
  });
  const T = first.tasks.length;
  const x = new Float32Array(picks.length * d);
  const y = new Float32Array(picks.length * T);
  picks.forEach(({ split, row, site }, r) => {
    let at = r * d;
    const { batch } = split;
    const ehr = site.ehrFeatureNames.length;
    const genes = site.genes.length;
    if (want[0]) {
      x.set(batch.ehr.subarray(row * ehr, (row + 1) * ehr), at);
      at += ehr;
    }
    if (want[1]) {
      imageSummary({ image: batch.image, row, shape: site.imageShape, out: x, at });
      at += 2 * GRID * GRID * site.imageShape[2];
    }
    if (want[2]) x.set(batch.genomics.subarray(row * genes, (row + 1) * genes), at);
    y.set(batch.labels.subarray(row * T, (row + 1) * T), r * T);
  });
  return { design: { x, n: picks.length, d }, y, site: Int32Array.from(picks, (p) => p.k) };
}

/** Standardizes columns in place with the first design's statistics (applied to all given). */
export function standardizeColumns(designs: Design[]): void {
  const [train] = designs;
  if (!train) return;
  for (let j = 0; j < train.d; j++) {
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < train.n; i++) {
      const v = train.x[i * train.d + j] as number;
      sum += v;
      sumSq += v * v;
    }
    const mean = train.n > 0 ? sum / train.n : 0;
    const sd = Math.sqrt(Math.max(0, (train.n > 0 ? sumSq / train.n : 0) - mean * mean)) || 1;
    for (const design of designs) {
      for (let i = 0; i < design.n; i++)
        design.x[i * design.d + j] = ((design.x[i * design.d + j] as number) - mean) / sd;
    }
  }
}
