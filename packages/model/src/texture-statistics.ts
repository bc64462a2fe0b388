/**
 * The imaging encoder's texture energies (`textureFeatures`) in plain numbers, and the sums a site shares so
 * that the federation can standardise them. Plain numbers because a site computes them while loading its
 * data, before (and without) a tfjs backend; `texture-statistics.test.ts` holds them to the tfjs encoder.
 */

/** As the encoder's: keeps a constant (or absent) image's division and logarithm finite. */
const EPSILON = 1e-5;
const SCALES = [1, 2];

/** Energies per image channel: the mean, max and min log energy at each scale. */
export const TEXTURE_ENERGIES_PER_CHANNEL = 3 * SCALES.length;

/** A site's texture energies over its training images: count, and per energy the sum and sum of squares. */
export interface TextureSums {
  images: number;
  sum: number[];
  sumSquares: number[];
}

/** The constants the encoder standardises its texture energies with: (energy − center) ÷ scale. */
export interface TextureNorm {
  center: number[];
  scale: number[];
}

/** One image (h × w × c, NHWC) to zero mean and unit variance over all its pixels, as `standardizeImages`. */
function standardized(pixels: ArrayLike<number>): Float64Array {
  let mean = 0;
  for (let i = 0; i < pixels.length; i++) mean += pixels[i] as number;
  mean /= pixels.length;
  let variance = 0;
  for (let i = 0; i < pixels.length; i++) variance += ((pixels[i] as number) - mean) ** 2;
  const sd = Math.sqrt(variance / pixels.length + EPSILON);
  return Float64Array.from(pixels, (v) => (v - mean) / sd);
}

/** One channel of an h × w × c image average-pooled by `scale` ('valid', as tf.avgPool). */
function pooledChannel(
  x: Float64Array,
  { shape, channel, scale }: { shape: readonly number[]; channel: number; scale: number },
) {
  const [h, w, c] = shape as [number, number, number];
  const ph = Math.floor(h / scale);
  const pw = Math.floor(w / scale);
  const out = new Float64Array(ph * pw);
  for (let y = 0; y < ph; y++)
    for (let x0 = 0; x0 < pw; x0++) {
      let sum = 0;
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) sum += x[((y * scale + dy) * w + x0 * scale + dx) * c + channel]!;
      out[y * pw + x0] = sum / (scale * scale);
    }
  return { p: out, h: ph, w: pw };
}

/** Log local energies of one pooled channel: squared gradients averaged over (up to) 4×4 windows. */
function localEnergies({ p, h, w }: { p: Float64Array; h: number; w: number }): number[] {
  const window = Math.min(4, h - 1, w - 1);
  const rows = Math.floor((h - 1) / window);
  const cols = Math.floor((w - 1) / window);
  const at = (y: number, x: number) => p[y * w + x]!;
  const local: number[] = [];
  for (let wy = 0; wy < rows; wy++)
    for (let wx = 0; wx < cols; wx++) {
      let sum = 0;
      for (let y = wy * window; y < (wy + 1) * window; y++)
        for (let x = wx * window; x < (wx + 1) * window; x++)
          sum += (at(y, x + 1) - at(y, x)) ** 2 + (at(y + 1, x) - at(y, x)) ** 2;
      local.push(Math.log(sum / (window * window) + EPSILON));
    }
  return local;
}

/**
 * The encoder's texture energies of one raw image, in its order: per scale, the mean of every channel, then
 * the maxima, then the minima. Needs images of at least 2 × 2 pixels at the coarsest scale (4 × 4).
 */
export function textureEnergies(
  pixels: ArrayLike<number>,
  shape: readonly [number, number, number],
): number[] {
  const x = standardized(pixels);
  const out: number[] = [];
  for (const scale of SCALES) {
    const perChannel = Array.from({ length: shape[2] }, (_, ch) =>
      localEnergies(pooledChannel(x, { shape, channel: ch, scale })),
    );
    out.push(...perChannel.map((l) => l.reduce((a, b) => a + b, 0) / l.length));
    out.push(...perChannel.map((l) => Math.max(...l)));
    out.push(...perChannel.map((l) => Math.min(...l)));
  }
  return out;
}

/** Sums of the texture energies over the images whose `present` flag (every third, from 1) is set. */
export function textureSums(
  batch: { n: number; image: ArrayLike<number>; present: ArrayLike<number> },
  shape: readonly [number, number, number],
): TextureSums {
  const size = shape[0] * shape[1] * shape[2];
  const features = TEXTURE_ENERGIES_PER_CHANNEL * shape[2];
  const zeros = () => Array.from({ length: features }, () => 0);
  const sums: TextureSums = { images: 0, sum: zeros(), sumSquares: zeros() };
  const image = Float32Array.from({ length: size });
  for (let row = 0; row < batch.n; row++) {
    if (batch.present[row * 3 + 1] !== 1) continue;
    for (let i = 0; i < size; i++) image[i] = batch.image[row * size + i] as number;
    textureEnergies(image, shape).forEach((e, k) => {
      sums.sum[k]! += e;
      sums.sumSquares[k]! += e * e;
    });
    sums.images++;
  }
  return sums;
}

/**
 * Why sums over images of `shape` could not come from `textureEnergies`, or undefined when they could. Every
 * energy is the log of a local mean of squared differences of a standardised image (Σx² = h·w·c, so no
 * difference exceeds 2√(h·w·c)): it lies in [log ε, log(8·h·w·c + ε)], and so must each mean, and the mean
 * square cannot be below the squared mean nor above the bound squared. A peer's made-up sums are caught here.
 */
export function implausibleTextureSums(
  sums: TextureSums,
  shape: readonly [number, number, number],
): string | undefined {
  // Widened by a rounding margin: a site whose every image sits at a bound sums exactly to it.
  const margin = 1e-9;
  const lo = Math.log(EPSILON) * (1 + margin);
  const hi = Math.log(8 * shape[0] * shape[1] * shape[2] + EPSILON) * (1 + margin);
  const width = TEXTURE_ENERGIES_PER_CHANNEL * shape[2];
  if (sums.sum.length !== width || sums.sumSquares.length !== width)
    return `${sums.sum.length} energies, expected ${width} for ${shape.join('×')} images`;
  if (!(sums.images >= 1)) return 'no images';
  for (let k = 0; k < width; k++) {
    const mean = sums.sum[k]! / sums.images;
    const meanSquare = sums.sumSquares[k]! / sums.images;
    if (!(mean >= lo && mean <= hi))
      return `energy ${k}'s mean ${mean} is outside [${lo.toFixed(2)}, ${hi.toFixed(2)}]`;
    const square = Math.max(lo * lo, hi * hi);
    if (!(meanSquare >= mean * mean * (1 - margin) && meanSquare <= square))
      return `energy ${k}'s mean square ${meanSquare} cannot go with its mean ${mean}`;
  }
  return undefined;
}

/** The federation's constants from every site's sums: each energy's pooled mean and standard deviation. */
export function pooledTextureNorm(all: readonly TextureSums[]): TextureNorm {
  const width = all[0]?.sum.length ?? 0;
  const images = all.reduce((n, s) => n + s.images, 0);
  if (images < 2 || all.some((s) => s.sum.length !== width || s.sumSquares.length !== width))
    throw new RangeError('pooledTextureNorm needs sums of one width over at least 2 images');
  const center: number[] = [];
  const scale: number[] = [];
  for (let k = 0; k < width; k++) {
    const mean = all.reduce((t, s) => t + s.sum[k]!, 0) / images;
    const meanSquare = all.reduce((t, s) => t + s.sumSquares[k]!, 0) / images;
    center.push(mean);
    // A floor, so that an energy every image shares (a constant) is not blown up.
    scale.push(Math.sqrt(Math.max(meanSquare - mean * mean, 0) + 1e-4));
  }
  return { center, scale };
}
