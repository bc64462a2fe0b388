import type { ModelBatch } from '@fedfuse/model/spec';

/** One site's scanner level: mean and SD of every pixel of its training images, per channel. */
export interface SiteImageStats {
  mean: number[];
  sd: number[];
}

/** Relative SD under which a site's images count as constant (nothing to harmonise by). */
const MIN_RELATIVE_SD = 1e-6;

/** Calls visit(row, offset of its first pixel) for every row of the batch that has an image. */
function forEachImage(batch: ModelBatch, pixels: number, visit: (row: number, at: number) => void): void {
  for (let row = 0; row < batch.n; row++) if (batch.present[row * 3 + 1] === 1) visit(row, row * pixels);
}

/**
 * The site's scanner mean and SD per channel, from its training images only (rows without an image are
 * skipped). Assumes the site's images come from one scanner (or scanners set alike): the statistics
 * then remove that scanner's gain and offset while keeping how patients differ within the site.
 * Throws, naming the problem, on a non-finite pixel, no image at all, or images with no spread.
 */
export function siteImageStats(train: ModelBatch, imageShape: [number, number, number]): SiteImageStats {
  const [h, w, c] = imageShape;
  const pixels = h * w * c;
  const sum = new Float64Array(c);
  const squares = new Float64Array(c);
  let images = 0;
  forEachImage(train, pixels, (row, at) => {
    images++;
    for (let i = 0; i < pixels; i++) {
      const v = train.image[at + i] as number;
      if (!Number.isFinite(v))
        throw new Error(
          `Image harmonisation: training row ${row} has a non-finite pixel (${v}) at index ${i}`,
        );
      sum[i % c] = (sum[i % c] as number) + v;
      squares[i % c] = (squares[i % c] as number) + v * v;
    }
  });
  if (images === 0)
    throw new Error('Image harmonisation: the training split has no image to compute the scanner level from');
  const count = images * h * w;
  const mean = [...sum].map((s) => s / count);
  const sd = [...squares].map((q, k) => Math.sqrt(Math.max(q / count - (mean[k] as number) ** 2, 0)));
  sd.forEach((s, k) => {
    const scale = Math.max(Math.abs(mean[k] as number), 1);
    if (!(s > MIN_RELATIVE_SD * scale))
      throw new Error(
        `Image harmonisation: channel ${k} of the ${images} training images is constant (SD ${s}), so there is no scanner contrast to harmonise by`,
      );
  });
  return { mean, sd };
}

/**
 * Harmonises the images of the given batches in place: each pixel minus the site's mean, divided by its
 * SD, per channel. Rows without an image stay zero. The same stats must be applied to every split.
 */
export function harmonizeSiteImages(
  batches: ModelBatch[],
  stats: SiteImageStats,
  imageShape: [number, number, number],
): void {
  const [h, w, c] = imageShape;
  const pixels = h * w * c;
  if (stats.mean.length !== c || stats.sd.length !== c)
    throw new Error(`Image harmonisation: stats have ${stats.mean.length} channels, images ${c}`);
  for (const batch of batches)
    forEachImage(batch, pixels, (_, at) => {
      for (let i = 0; i < pixels; i++) {
        const k = i % c;
        batch.image[at + i] =
          ((batch.image[at + i] as number) - (stats.mean[k] as number)) / (stats.sd[k] as number);
      }
    });
}
