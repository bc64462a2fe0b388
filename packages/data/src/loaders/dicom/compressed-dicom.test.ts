import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import dicomParser from 'dicom-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Rejection } from '../../errors.ts';
import { makeTempDir, type TempDir } from '../../testing/temp-dir.ts';
import { loadImagesInto } from '../imaging.ts';
import { prepareDicom } from './dicom-decode.ts';

// Made from one 64×64 picture by dcmtk and gdcm: scripts/make-dicom-fixtures.sh.
const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/dicom/${name}`, import.meta.url));
const SIZE = 64;
const DEPTHS = [
  { name: 'grey8', storedMax: 255 },
  { name: 'grey16', storedMax: 4095 },
] as const;
const LOSSLESS = [
  ['jpeg-lossless', '1.2.840.10008.1.2.4.57'],
  ['jpeg-lossless-sv1', '1.2.840.10008.1.2.4.70'],
  ['jpegls-lossless', '1.2.840.10008.1.2.4.80'],
  ['j2k-lossless', '1.2.840.10008.1.2.4.90'],
  ['rle-dcmtk', '1.2.840.10008.1.2.5'],
  ['rle-gdcm', '1.2.840.10008.1.2.5'],
] as const;

/** The image's stored values, recovered from the [0, 1] the decoder writes (no window in these files). */
async function storedValues(bytes: Uint8Array, storedMax: number): Promise<number[]> {
  const data = new Float32Array(SIZE * SIZE);
  const image = await prepareDicom(bytes);
  expect(image.writeInto({ channels: 1, allocate: () => ({ data, offset: 0 }) })).toEqual({
    width: SIZE,
    height: SIZE,
  });
  return Array.from(data, (v) => Math.round(v * storedMax));
}

/** Uncompressed little-endian pixel data as stored (gdcm's decoding rewrites Bits Stored). */
function rawPixels(bytes: Buffer): number[] {
  const ds = dicomParser.parseDicom(bytes);
  const pixel = ds.elements.x7fe00010;
  if (!pixel) throw new Error('no pixel data');
  const data = bytes.subarray(pixel.dataOffset, pixel.dataOffset + pixel.length);
  if (ds.uint16('x00280100') === 8) return Array.from(data);
  return Array.from({ length: data.length / 2 }, (_, i) => data.readUInt16LE(i * 2));
}

const syntaxOf = (bytes: Uint8Array): string | undefined => dicomParser.parseDicom(bytes).string('x00020010');

describe.each(DEPTHS)('compressed DICOM, $name', ({ name, storedMax }) => {
  let reference: number[];
  beforeEach(async () => {
    reference = await storedValues(await readFile(fixture(`${name}-uncompressed.dcm`)), storedMax);
  });

  it('has a reference with structure to compare against', () => {
    expect(new Set(reference).size).toBeGreaterThan(50);
    expect(Math.max(...reference)).toBeGreaterThan(storedMax * 0.7);
  });

  it.each(LOSSLESS)('%s (%s) decodes to exactly the uncompressed pixels', async (variant, syntax) => {
    const bytes = await readFile(fixture(`${name}-${variant}.dcm`));
    expect(syntaxOf(bytes)).toBe(syntax);
    expect(await storedValues(bytes, storedMax)).toEqual(reference);
  });

  it('JPEG-LS near-lossless (.4.81, NEAR 2) stays within 2 stored units of every pixel', async () => {
    const bytes = await readFile(fixture(`${name}-jpegls-near.dcm`));
    expect(syntaxOf(bytes)).toBe('1.2.840.10008.1.2.4.81');
    const got = await storedValues(bytes, storedMax);
    const errors = got.map((v, i) => Math.abs(v - (reference[i] ?? 0)));
    expect(Math.max(...errors)).toBeLessThanOrEqual(2);
    expect(errors.some((e) => e > 0)).toBe(true);
  });

  it('JPEG 2000 lossy (.4.91, rate 5:1) decodes as gdcm decodes it, within 8% of the original', async () => {
    const bytes = await readFile(fixture(`${name}-j2k-lossy.dcm`));
    expect(syntaxOf(bytes)).toBe('1.2.840.10008.1.2.4.91');
    const got = await storedValues(bytes, storedMax);
    expect(got).toEqual(rawPixels(await readFile(fixture(`${name}-j2k-lossy-gdcm-decoded.dcm`))));
    const errors = got.map((v, i) => Math.abs(v - (reference[i] ?? 0)) / storedMax);
    expect(Math.max(...errors)).toBeLessThanOrEqual(0.08);
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThanOrEqual(0.015);
  });
});

describe('baseline JPEG DICOM (.4.50, 8-bit)', () => {
  it('decodes within 1 of what dcmtk decodes and within 8% of the original (1% on average)', async () => {
    const bytes = await readFile(fixture('grey8-jpeg-baseline.dcm'));
    expect(syntaxOf(bytes)).toBe('1.2.840.10008.1.2.4.50');
    const got = await storedValues(bytes, 255);
    const dcmtk = rawPixels(await readFile(fixture('grey8-jpeg-baseline-dcmtk-decoded.dcm')));
    // IDCT implementations may round differently (libjpeg-turbo here, IJG libjpeg in dcmtk).
    expect(Math.max(...got.map((v, i) => Math.abs(v - (dcmtk[i] ?? 0))))).toBeLessThanOrEqual(1);
    const original = await storedValues(await readFile(fixture('grey8-uncompressed.dcm')), 255);
    const errors = got.map((v, i) => Math.abs(v - (original[i] ?? 0)) / 255);
    expect(Math.max(...errors)).toBeLessThanOrEqual(0.08);
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThanOrEqual(0.01);
    expect(errors.some((e) => e > 0)).toBe(true);
  });
});

describe('compressed DICOM the loader refuses', () => {
  let tmp: TempDir;
  beforeEach(async () => {
    tmp = await makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  /** A fixture with its first pixel-data fragment damaged by `damage`. */
  async function damaged(variant: string, damage: (frame: Uint8Array) => void): Promise<Buffer> {
    const bytes = await readFile(
      fixture(variant.includes('baseline') ? `grey8-${variant}.dcm` : `grey16-${variant}.dcm`),
    );
    const fragment = dicomParser.parseDicom(bytes).elements.x7fe00010?.fragments?.[0];
    if (!fragment) throw new Error(`${variant} has no fragment`);
    damage(bytes.subarray(fragment.position, fragment.position + fragment.length));
    return bytes;
  }

  async function rejectionsFor(files: Record<string, Buffer>): Promise<Rejection[]> {
    await tmp.write(files);
    const names = Object.keys(files);
    const dst = new Float32Array(names.length * SIZE * SIZE);
    const rejected: Rejection[] = [];
    await loadImagesInto({
      manifest: tmp.path('manifest.csv'),
      jobs: names.map((file, slot) => ({
        id: file,
        entry: { line: slot + 2, path: tmp.path(file) },
        dst,
        slot,
      })),
      shape: [SIZE, SIZE, 1],
      resize: 'area',
      reject: (r) => void rejected.push(r),
    });
    expect(Array.from(dst).every((v) => v === 0)).toBe(true);
    return rejected.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  }

  it('names the file and the syntax of a corrupt stream, for every codec', async () => {
    const scribble = (frame: Uint8Array): void => void frame.fill(0x55, 40, 200);
    const rejected = await rejectionsFor({
      'base.dcm': await damaged('jpeg-baseline', scribble),
      'ljpeg.dcm': await damaged('jpeg-lossless-sv1', scribble),
      'jls.dcm': await damaged('jpegls-lossless', scribble),
      'j2k.dcm': await damaged('j2k-lossless', scribble),
      // An RLE header promising three byte planes for 16-bit grey, which has two.
      'rle.dcm': await damaged('rle-dcmtk', (frame) => void frame.set([3, 0, 0, 0], 0)),
    });
    expect(rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(
        /base\.dcm: JPEG Baseline \(transfer syntax 1\.2\.840\.10008\.1\.2\.4\.50\) pixel data cannot be decoded: the codec rejected the stream/,
      ),
      expect.stringMatching(
        /ljpeg\.dcm: JPEG Lossless SV1 \(transfer syntax 1\.2\.840\.10008\.1\.2\.4\.70\) pixel data cannot be decoded: .*Huffman/,
      ),
      expect.stringMatching(
        /jls\.dcm: JPEG-LS Lossless \(transfer syntax 1\.2\.840\.10008\.1\.2\.4\.80\) pixel data cannot be decoded: the codec rejected the stream/,
      ),
      expect.stringMatching(
        /j2k\.dcm: JPEG 2000 Lossless \(transfer syntax 1\.2\.840\.10008\.1\.2\.4\.90\) pixel data cannot be decoded: .*SIZ marker/,
      ),
      `${tmp.path('rle.dcm')}: RLE Lossless (transfer syntax 1.2.840.10008.1.2.5) pixel data cannot be decoded: RLE header lists 3 segments; 1 sample(s) of 2 byte(s) need 2`,
    ]);
  });

  it('refuses a frame whose decoded size disagrees with the header', async () => {
    const bytes = await readFile(fixture('grey16-j2k-lossless.dcm'));
    const rows = dicomParser.parseDicom(bytes).elements.x00280010;
    if (!rows) throw new Error('no Rows element');
    bytes.writeUInt16LE(32, rows.dataOffset);
    await expect(prepareDicom(bytes)).rejects.toThrow(
      'JPEG 2000 Lossless (transfer syntax 1.2.840.10008.1.2.4.90) pixel data cannot be decoded: decoded frame is 64×64×1, the header says 64×32×1',
    );
  });

  it('refuses a syntax it has no codec for, naming it', async () => {
    const rejected = await rejectionsFor({ 'ext.dcm': await readFile(fixture('grey16-jpeg-extended.dcm')) });
    expect(rejected.map((r) => r.reason)).toEqual([
      `${tmp.path('ext.dcm')}: DICOM transfer syntax 1.2.840.10008.1.2.4.51 is not supported; export uncompressed, JPEG Baseline (8-bit), JPEG Lossless, JPEG-LS, JPEG 2000 or RLE`,
    ]);
  });

  it('leaves no process-wide crash handlers behind after loading the wasm codecs', async () => {
    const handlers = (): number =>
      process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');
    const before = handlers();
    for (const variant of ['jpegls-lossless', 'j2k-lossless', 'jpeg-baseline'])
      await prepareDicom(await readFile(fixture(`grey8-${variant}.dcm`)));
    expect(handlers()).toBe(before);
  });
});
