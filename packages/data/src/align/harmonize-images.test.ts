import { describe, expect, it } from 'vitest';
import { harmonizeSiteImages, siteImageStats } from './harmonize-images.ts';
import { allocateBatch } from './split-batch.ts';

const SHAPE: [number, number, number] = [2, 2, 1];

/** A batch of 2×2 grey images; `null` is a patient without an image. */
function batchOf(images: (number[] | null)[]) {
  const batch = allocateBatch(images.length, { ehr: 0, image: 4, genomics: 0, tasks: 1 });
  images.forEach((pixels, row) => {
    if (!pixels) return;
    batch.image.set(pixels, row * 4);
    batch.present[row * 3 + 1] = 1;
  });
  return batch;
}

describe('siteImageStats', () => {
  it('is the mean and SD over every pixel of the training images, skipping rows without one', () => {
    const train = batchOf([[0, 0, 2, 2], null, [4, 4, 6, 6]]);
    const stats = siteImageStats(train, SHAPE);
    expect(stats.mean).toEqual([3]);
    // Pixels 0, 0, 2, 2, 4, 4, 6, 6: variance (9+9+1+1+1+1+9+9)/8 = 5.
    expect(stats.sd[0]).toBeCloseTo(Math.sqrt(5), 12);
  });

  it('keeps each channel apart', () => {
    const rgbish = allocateBatch(1, { ehr: 0, image: 4, genomics: 0, tasks: 1 });
    rgbish.image.set([1, 10, 3, 30]);
    rgbish.present[1] = 1;
    const stats = siteImageStats(rgbish, [1, 2, 2]);
    expect(stats.mean).toEqual([2, 20]);
    expect(stats.sd).toEqual([1, 10]);
  });

  it('refuses a non-finite pixel, naming the row, and changes nothing', () => {
    const train = batchOf([
      [0, 1, 0, 1],
      [0, Number.NaN, 1, 1],
    ]);
    const before = Array.from(train.image);
    expect(() => siteImageStats(train, SHAPE)).toThrow(/training row 1 has a non-finite pixel \(NaN\)/);
    expect(Array.from(train.image)).toEqual(before);
  });

  it('refuses images with no spread (nothing to harmonise by) and a split with no image', () => {
    expect(() =>
      siteImageStats(
        batchOf([
          [0.5, 0.5, 0.5, 0.5],
          [0.5, 0.5, 0.5, 0.5],
        ]),
        SHAPE,
      ),
    ).toThrow(/channel 0 of the 2 training images is constant/);
    expect(() => siteImageStats(batchOf([null, null]), SHAPE)).toThrow(/no image/);
  });
});

describe('harmonizeSiteImages', () => {
  it('applies the training statistics identically to every split and leaves absent images at zero', () => {
    const train = batchOf([
      [0, 0, 2, 2],
      [4, 4, 6, 6],
    ]);
    const test = batchOf([null, [0, 0, 2, 2]]);
    const stats = siteImageStats(train, SHAPE);
    harmonizeSiteImages([train, test], stats, SHAPE);
    const z = (v: number) => (v - 3) / Math.sqrt(5);
    // The same raw image gives the same harmonised pixels in training and in scoring.
    expect(Array.from(test.image.slice(4))).toEqual(Array.from(train.image.slice(0, 4)));
    [0, 0, 2, 2].forEach((v, i) => expect(test.image[4 + i]).toBeCloseTo(z(v), 6));
    expect(Array.from(test.image.slice(0, 4))).toEqual([0, 0, 0, 0]);
  });

  it('removes a scanner gain and offset but keeps how patients differ within the site', () => {
    const patients = [
      [0.1, 0.2, 0.3, 0.4],
      [0.5, 0.5, 0.7, 0.9],
    ];
    const scanned = (gain: number, offset: number) =>
      batchOf(patients.map((p) => p.map((v) => gain * v + offset)));
    const a = scanned(1, 0);
    const b = scanned(2.5, -0.3);
    harmonizeSiteImages([a], siteImageStats(a, SHAPE), SHAPE);
    harmonizeSiteImages([b], siteImageStats(b, SHAPE), SHAPE);
    a.image.forEach((v, i) => expect(b.image[i]).toBeCloseTo(v, 5));
    // The brighter patient stays brighter.
    const mean = (row: number) => a.image.slice(row * 4, row * 4 + 4).reduce((s, v) => s + v, 0) / 4;
    expect(mean(1)).toBeGreaterThan(mean(0) + 1);
  });

  it('refuses statistics of another channel count before changing anything', () => {
    const batch = batchOf([[0, 1, 2, 3]]);
    expect(() => harmonizeSiteImages([batch], { mean: [0, 0], sd: [1, 1] }, SHAPE)).toThrow(
      /2 channels, images 1/,
    );
    expect(Array.from(batch.image)).toEqual([0, 1, 2, 3]);
  });
});
