// What does the imaging yardstick (LR on 16×16 pooled pixels) read? LR, trained centrally on every site's
// imaging patients as `image-baselines.ts` trains it, on other summaries of the same images: coarser grids,
// per-image standardised pixels (with or without the mean ÷ SD and log SD that standardisation removes) or
// per-site harmonised ones, position-free intensity histograms, texture energies (the encoder's own among them),
// and the site's identity alone (a one-hot of which hospital the image came from). Pooled test AUC per task, ridge 0.01 / 0.1 / 1.
// Usage: npx tsx --conditions=source packages/data/scripts/image-feature-diag.ts [--family axial] [--seeds 1,2]
import { parseArgs } from 'node:util';
import { textureEnergies } from '@fedfuse/model';
import { rocAuc } from '@fedfuse/model/spec';
import { fitLogistic, predictLogits, type Design, type ImageFamily, type SiteData } from '../src/index.ts';
import { standardizeColumns } from '../src/eval/feature-sets.ts';
import { withSimulatorFederation } from './sim-federation.ts';

const { values: args } = parseArgs({
  options: { family: { type: 'string', default: 'axial' }, seeds: { type: 'string', default: '1,2' } },
});
const RIDGES = [0.01, 0.1, 1];

/** One square grey image, the site it came from and that site's pixel mean and SD (training images). */
interface Image {
  px: Float32Array;
  side: number;
  site: number;
  siteLevel: { mean: number; sd: number };
}

/** Mean of each cell of a grid × grid partition. */
function pool(px: ArrayLike<number>, o: { side: number; grid: number }): number[] {
  const { side, grid } = o;
  const cells = new Array<number>(grid * grid).fill(0);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const c = Math.floor((y * grid) / side) * grid + Math.floor((x * grid) / side);
      cells[c] = (cells[c] as number) + (px[y * side + x] as number);
    }
  return cells.map((v) => v / ((side * side) / (grid * grid)));
}

/** The image's pixel mean and SD (the SD kept off zero for a constant image). */
function meanAndSd(px: Float32Array): { mean: number; sd: number } {
  let sum = 0;
  let squares = 0;
  for (const v of px) {
    sum += v;
    squares += v * v;
  }
  const mean = sum / px.length;
  return { mean, sd: Math.sqrt(Math.max(squares / px.length - mean * mean, 0)) + 1e-5 };
}

function standardized(px: Float32Array): Float32Array {
  const { mean, sd } = meanAndSd(px);
  return px.map((v) => (v - mean) / sd);
}

/** What per-image standardisation removes: the mean and SD, as mean ÷ SD (unit-free) and log SD. */
function moments(px: Float32Array): number[] {
  const { mean, sd } = meanAndSd(px);
  return [mean / sd, Math.log(sd)];
}

const harmonized = (im: Image): Float32Array => im.px.map((v) => (v - im.siteLevel.mean) / im.siteLevel.sd);

/** Fraction of pixels in each of 21 bins (20 equal-width ones over [lo, hi] and the tails). */
function histogram(px: ArrayLike<number>, lo: number, hi: number): number[] {
  const edges = Array.from({ length: 20 }, (_, i) => lo + ((hi - lo) * (i + 0.5)) / 20);
  const out = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < px.length; i++) {
    let bin = 0;
    while (bin < edges.length && (px[i] as number) > (edges[bin] as number)) bin++;
    out[bin] = (out[bin] as number) + 1;
  }
  return out.map((v) => v / px.length);
}

/** Log gradient and Laplacian energy of the image at scales 1, 2 and 4. */
function energies(px: ArrayLike<number>, side: number): number[] {
  const out: number[] = [];
  for (const scale of [1, 2, 4]) {
    const n = side / scale;
    const p = pool(px, { side, grid: n });
    const at = (y: number, x: number) => p[y * n + x] as number;
    let gradient = 0;
    let laplacian = 0;
    for (let y = 0; y < n - 1; y++)
      for (let x = 0; x < n - 1; x++) {
        gradient += (at(y, x + 1) - at(y, x)) ** 2 + (at(y + 1, x) - at(y, x)) ** 2;
        if (y > 0 && x > 0)
          laplacian += (4 * at(y, x) - at(y, x + 1) - at(y, x - 1) - at(y + 1, x) - at(y - 1, x)) ** 2;
      }
    out.push(Math.log(gradient / (n * n) + 1e-6), Math.log(laplacian / (n * n) + 1e-6));
  }
  return out;
}

const siteOneHot = (im: Image, sites: number) =>
  Array.from({ length: sites }, (_, k) => (k === im.site ? 1 : 0));

function featureSets(sites: number): Record<string, (im: Image) => number[]> {
  const grid = (px: ArrayLike<number>, side: number, g: number) => pool(px, { side, grid: g });
  return {
    'raw 16×16 (the yardstick)': (im) => grid(im.px, im.side, 16),
    'raw 8×8': (im) => grid(im.px, im.side, 8),
    'raw 4×4': (im) => grid(im.px, im.side, 4),
    'raw 2×2': (im) => grid(im.px, im.side, 2),
    'site alone (one-hot)': (im) => siteOneHot(im, sites),
    'per-image standardised 16×16': (im) => grid(standardized(im.px), im.side, 16),
    'per-image standardised 16×16 + site': (im) => [
      ...grid(standardized(im.px), im.side, 16),
      ...siteOneHot(im, sites),
    ],
    'per-image standardised 16×16 + its mean ÷ SD and log SD': (im) => [
      ...grid(standardized(im.px), im.side, 16),
      ...moments(im.px),
    ],
    'per-image standardised 16×16 + its mean ÷ SD and log SD + site': (im) => [
      ...grid(standardized(im.px), im.side, 16),
      ...moments(im.px),
      ...siteOneHot(im, sites),
    ],
    'per-image standardised 4×4 + site': (im) => [
      ...grid(standardized(im.px), im.side, 4),
      ...siteOneHot(im, sites),
    ],
    'per-image standardised 2×2 + site': (im) => [
      ...grid(standardized(im.px), im.side, 2),
      ...siteOneHot(im, sites),
    ],
    "the encoder's texture energies + site": (im) => [
      ...textureEnergies(im.px, [im.side, im.side, 1]),
      ...siteOneHot(im, sites),
    ],
    'site-harmonised 16×16': (im) => grid(harmonized(im), im.side, 16),
    'site-harmonised 16×16 + site': (im) => [...grid(harmonized(im), im.side, 16), ...siteOneHot(im, sites)],
    'raw histogram': (im) => histogram(im.px, 0, 1),
    'standardised histogram + energies': (im) => [
      ...histogram(standardized(im.px), -3, 3),
      ...energies(standardized(im.px), im.side),
    ],
    'site-harmonised histogram + energies': (im) => [
      ...histogram(harmonized(im), -3, 3),
      ...energies(harmonized(im), im.side),
    ],
  };
}

/** Each site's pixel mean and SD over its training images. */
function siteLevels(sites: SiteData[]): { mean: number; sd: number }[] {
  return sites.map((site) => {
    const [h, w] = site.imageShape;
    const { batch } = site.train;
    let sum = 0;
    let squares = 0;
    let count = 0;
    for (let i = 0; i < batch.n; i++) {
      if (batch.present[i * 3 + 1] !== 1) continue;
      for (let k = 0; k < h * w; k++) {
        const v = batch.image[i * h * w + k] as number;
        sum += v;
        squares += v * v;
        count++;
      }
    }
    const mean = sum / count;
    return { mean, sd: Math.sqrt(squares / count - mean * mean) };
  });
}

/** The imaging patients of a split as a design matrix of `features`, with their labels. */
function design(
  sites: SiteData[],
  o: { split: 'train' | 'test'; features: (im: Image) => number[] },
): { design: Design; y: Float32Array } {
  const levels = siteLevels(sites);
  const rows: number[][] = [];
  const labels: number[] = [];
  sites.forEach((site, k) => {
    const [side] = site.imageShape;
    const { batch } = site[o.split];
    const tasks = site.tasks.length;
    for (let i = 0; i < batch.n; i++) {
      if (batch.present[i * 3 + 1] !== 1) continue;
      const px = batch.image.slice(i * side * side, (i + 1) * side * side);
      rows.push(o.features({ px, side, site: k, siteLevel: levels[k]! }));
      for (let t = 0; t < tasks; t++) labels.push(batch.labels[i * tasks + t] as number);
    }
  });
  const d = rows[0]?.length ?? 0;
  return { design: { x: Float32Array.from(rows.flat()), n: rows.length, d }, y: Float32Array.from(labels) };
}

function aucs(sites: SiteData[], features: (im: Image) => number[], l2: number): string {
  const tasks = sites[0]?.tasks.length ?? 0;
  const train = design(sites, { split: 'train', features });
  const test = design(sites, { split: 'test', features });
  standardizeColumns([train.design, test.design]);
  const model = fitLogistic(train.design, { y: train.y, tasks, l2, steps: 300 });
  const logits = predictLogits(model, test.design);
  const rows = Array.from({ length: test.design.n }, (_, i) => i);
  return Array.from({ length: tasks }, (_, t) =>
    rocAuc(
      rows.map((i) => logits[i * tasks + t] as number),
      rows.map((i) => test.y[i * tasks + t] as number),
    ).toFixed(3),
  ).join(' / ');
}

for (const seed of args.seeds.split(',').map(Number)) {
  const federation = { seed, family: args.family as ImageFamily, patientsPerSite: 600 };
  await withSimulatorFederation(federation, (sites) => {
    console.log(`seed ${seed}, family ${args.family}, tasks ${sites[0]?.tasks.join(' / ')}`);
    for (const [name, features] of Object.entries(featureSets(sites.length)))
      console.log(`  ${name}: ${RIDGES.map((l2) => `ridge ${l2} ${aucs(sites, features, l2)}`).join('; ')}`);
  });
}
