import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { resolveModelConfig } from './config.ts';
import { encodeImage, standardizeImages, textureFeatures } from './imaging-encoder.ts';
import { createModel, type TriModalModel } from './model.ts';
import { createRng } from './rng.ts';
import { smallConfig } from './testing/fixtures.ts';
import {
  implausibleTextureSums,
  pooledTextureNorm,
  textureEnergies,
  textureSums,
} from './texture-statistics.ts';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});
const models: TriModalModel[] = [];
afterEach(() => models.splice(0).forEach((m) => m.dispose()));

/** Images with a scanner's gain and offset, blobs and noise, so the energies differ between them. */
function images(n: number, shape: [number, number, number], seed: number): Float32Array {
  const random = createRng(seed);
  const [h, w, c] = shape;
  const out = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++) {
    const gain = 0.5 + 3 * random();
    const blob = { y: random() * h, x: random() * w, r: 1 + random() * 4 };
    for (let p = 0; p < h * w * c; p++) {
      const [y, x] = [Math.floor(p / (w * c)), Math.floor(p / c) % w];
      const inside = (y - blob.y) ** 2 + (x - blob.x) ** 2 < blob.r ** 2 ? 1 : 0;
      out[i * h * w * c + p] = gain * (inside + 0.3 * random() * (1 + (p % c))) + 10 * random() * (i % 2);
    }
  }
  return out;
}

describe('textureEnergies', () => {
  it.each([[[64, 64, 1]], [[24, 20, 2]], [[9, 13, 3]]] as [[number, number, number]][])(
    "equal the encoder's texture features of the standardised image (%j)",
    (shape) => {
      const n = 4;
      const pixels = images(n, shape, 7);
      const encoder = tf.tidy(() =>
        textureFeatures(standardizeImages(tf.tensor4d(pixels, [n, ...shape]))).arraySync(),
      );
      const size = shape[0] * shape[1] * shape[2];
      for (let i = 0; i < n; i++) {
        const plain = textureEnergies(pixels.subarray(i * size, (i + 1) * size), shape);
        expect(plain).toHaveLength(encoder[i]!.length);
        plain.forEach((v, k) =>
          expect(Math.abs(v - encoder[i]![k]!), `image ${i} energy ${k}`).toBeLessThan(2e-4),
        );
      }
    },
  );
});

describe('textureSums and pooledTextureNorm', () => {
  const shape: [number, number, number] = [16, 16, 1];
  const size = 16 * 16;

  it('sum only the images that are present, and pool to the mean and SD over every site', () => {
    const a = { n: 5, image: images(5, shape, 1), present: new Uint8Array(15).fill(1) };
    a.present[2 * 3 + 1] = 0; // row 2 has no image
    const b = { n: 3, image: images(3, shape, 2), present: new Uint8Array(9).fill(1) };
    const sumsA = textureSums(a, shape);
    const sumsB = textureSums(b, shape);
    expect([sumsA.images, sumsB.images]).toEqual([4, 3]);
    const rows = [
      ...[0, 1, 3, 4].map((r) => a.image.subarray(r * size, (r + 1) * size)),
      ...[0, 1, 2].map((r) => b.image.subarray(r * size, (r + 1) * size)),
    ].map((px) => textureEnergies(px, shape));
    const norm = pooledTextureNorm([sumsA, sumsB]);
    for (let k = 0; k < 6; k++) {
      const column = rows.map((r) => r[k]!);
      const mean = column.reduce((s, v) => s + v, 0) / column.length;
      const sd = Math.sqrt(column.reduce((s, v) => s + (v - mean) ** 2, 0) / column.length);
      expect(norm.center[k]).toBeCloseTo(mean, 9);
      expect(norm.scale[k]).toBeCloseTo(Math.sqrt(sd ** 2 + 1e-4), 9);
    }
  });

  it('tell sums real images give from made-up ones', () => {
    const real = textureSums(
      { n: 6, image: images(6, shape, 3), present: new Uint8Array(18).fill(1) },
      shape,
    );
    expect(implausibleTextureSums(real, shape)).toBeUndefined();
    // Even the extremes, summed over many images (a rounding error must not count): flat images, one bright pixel.
    const spike = new Float32Array(size);
    spike[size / 2 + 8] = 1;
    const flats = new Float32Array(99 * size);
    const extremes = textureSums(
      { n: 100, image: Float32Array.from([...flats, ...spike]), present: new Uint8Array(300).fill(1) },
      shape,
    );
    expect(extremes.images).toBe(100);
    expect(implausibleTextureSums(extremes, shape)).toBeUndefined();
    const scaled = (f: number) => ({ ...real, sum: real.sum.map((v) => v * f) });
    expect(implausibleTextureSums(scaled(1e6), shape)).toMatch(
      /energy 0's mean .* is outside \[-11\.51, 7\.62\]/,
    );
    expect(implausibleTextureSums({ ...real, sumSquares: real.sumSquares.map(() => 0) }, shape)).toMatch(
      /energy 0's mean square 0 cannot go with its mean/,
    );
    expect(implausibleTextureSums({ ...real, sum: [1], sumSquares: [1] }, shape)).toBe(
      '1 energies, expected 6 for 16×16×1 images',
    );
  });

  it('refuse sums of different widths or of fewer than two images', () => {
    const one = { images: 1, sum: [1, 2], sumSquares: [1, 4] };
    expect(() => pooledTextureNorm([one])).toThrow(/at least 2 images/);
    expect(() => pooledTextureNorm([one, { images: 3, sum: [1], sumSquares: [1] }])).toThrow(/one width/);
  });
});

describe('the encoder with imageTextureNorm', () => {
  const config = { ...smallConfig, imagePooling: 'global', imageGroupNorm: 2, imageTexture: true } as const;

  it('reads (energy − center) ÷ scale: a raw model with the projection rescaled gives the same embedding', () => {
    const norm = { center: [-1.3, 0.9, -3.5, -0.7, 0.35, -2.4], scale: [0.4, 0.25, 1.05, 0.2, 0.3, 1.0] };
    const raw = createModel(config);
    const standardised = createModel({ ...config, imageTextureNorm: norm });
    models.push(raw, standardised);
    raw.variables.forEach((v, i) => standardised.variables[i]!.assign(v));
    // Texture rows follow the 2 × 8 global features: W' = W · scale, b' = b + Σ center · W.
    const kernel = raw.param('imaging.project.kernel').arraySync() as number[][];
    const bias = raw.param('imaging.project.bias').arraySync() as number[];
    const rows = kernel.map((row, r) => (r < 16 ? row : row.map((w) => w * norm.scale[r - 16]!)));
    const shifted = bias.map((b, j) => b + norm.center.reduce((s, c, k) => s + c * kernel[16 + k]![j]!, 0));
    standardised.param('imaging.project.kernel').assign(tf.tensor2d(rows));
    standardised.param('imaging.project.bias').assign(tf.tensor1d(shifted));
    const x = tf.tensor4d(images(3, [16, 16, 1], 4), [3, 16, 16, 1]);
    const [a, b] = [raw, standardised].map((m) => tf.tidy(() => encodeImage(m, x).z.arraySync()));
    a!.flat().forEach((v, i) => expect(b!.flat()[i]).toBeCloseTo(v, 4));
    // And the norm does change what the same weights compute.
    const same = tf.tidy(() => encodeImage(standardised, x).z.arraySync());
    standardised.variables.forEach((v, i) => v.assign(raw.variables[i]!));
    const unscaled = tf.tidy(() => encodeImage(standardised, x).z.arraySync());
    expect(unscaled.flat()).not.toEqual(same.flat());
    x.dispose();
  });

  it('is refused with the field named when it does not fit the image channels or is not finite', () => {
    const six = Array.from({ length: 6 }, () => 1);
    expect(() => resolveModelConfig({ ...config, imageTextureNorm: { center: [0], scale: [1] } })).toThrow(
      /imageTextureNorm must hold 6 centers and 6 scales/,
    );
    expect(() =>
      resolveModelConfig({ ...config, imageTextureNorm: { center: six, scale: [...six.slice(1), 0] } }),
    ).toThrow(/imageTextureNorm energy 5: center must be finite and scale positive/);
    expect(resolveModelConfig({ ...config, imageTextureNorm: undefined }).imageTextureNorm).toBeNull();
  });
});
