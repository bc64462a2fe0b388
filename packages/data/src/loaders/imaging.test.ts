import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePng } from '../synthetic/png-writer.ts';
import { writeDicom } from '../synthetic/dicom-writer.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { loadImagesInto, readManifest } from './imaging.ts';
import type { Rejection } from '../errors.ts';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir();
});
afterEach(() => tmp.cleanup());

const ramp = (n: number, c = 1) =>
  Float32Array.from({ length: n * c }, (_, i) => (i % (n * c)) / (n * c - 1));

async function loadAll(
  shape: [number, number, number],
  manifestText: string,
  resize: 'area' | 'bilinear' = 'area',
) {
  await tmp.write({ 'manifest.csv': manifestText });
  const config = { manifest: tmp.path('manifest.csv'), shape, resize };
  const manifest = await readManifest({ config, idColumn: 'patient_id', maxRejectedFraction: 1 });
  const ids = [...manifest.entries.keys()];
  const dst = new Float32Array(ids.length * shape[0] * shape[1] * shape[2]);
  const rejected: Rejection[] = [];
  const jobs = ids.map((id, slot) => ({ id, entry: manifest.entries.get(id)!, dst, slot }));
  const failed = await loadImagesInto({
    manifest: config.manifest,
    jobs,
    shape,
    resize,
    reject: (r) => void rejected.push(r),
  });
  // Reads run concurrently, so failures arrive in completion order; the site report sorts them.
  rejected.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { dst, ids, failed, rejected, manifest };
}

describe('imaging loader', () => {
  it('decodes 8-bit and 16-bit grey PNG into [0, 1] at full precision', async () => {
    const data = Float32Array.of(0, 0.25, 0.5, 1);
    await tmp.write({
      'a.png': encodePng({ data, width: 2, height: 2, channels: 1, bitDepth: 8 }),
      'b.png': encodePng({ data, width: 2, height: 2, channels: 1, bitDepth: 16 }),
    });
    const { dst } = await loadAll([2, 2, 1], 'patient_id,path\nA,a.png\nB,b.png\n');
    expect(Array.from(dst.slice(0, 4))).toEqual([0, 64 / 255, 128 / 255, 1].map(Math.fround));
    expect(Array.from(dst.slice(4, 8)).map((v) => Math.round(v * 65535))).toEqual([0, 16384, 32768, 65535]);
  });

  it('converts RGB to luma for one channel and grey to RGB for three', async () => {
    const rgb = Float32Array.of(1, 0, 0, 0, 0, 1);
    await tmp.write({
      'rgb.png': encodePng({ data: rgb, width: 2, height: 1, channels: 3, bitDepth: 8 }),
      'g.png': encodePng({ data: Float32Array.of(0.2, 0.8), width: 2, height: 1, channels: 1, bitDepth: 16 }),
    });
    const grey = await loadAll([1, 2, 1], 'patient_id,path\nA,rgb.png\n');
    expect(grey.dst[0]).toBeCloseTo(0.299, 5);
    expect(grey.dst[1]).toBeCloseTo(0.114, 5);
    const colour = await loadAll([1, 2, 3], 'patient_id,path\nB,g.png\n');
    expect(Array.from(colour.dst).map((v) => Number(v.toFixed(3)))).toEqual([0.2, 0.2, 0.2, 0.8, 0.8, 0.8]);
  });

  it('resizes to the model input with area averaging', async () => {
    await tmp.write({
      'big.png': encodePng({ data: ramp(16), width: 4, height: 4, channels: 1, bitDepth: 16 }),
    });
    const { dst } = await loadAll([2, 2, 1], 'patient_id,path\nA,big.png\n');
    const expected = [
      (0 + 1 + 4 + 5) / 4,
      (2 + 3 + 6 + 7) / 4,
      (8 + 9 + 12 + 13) / 4,
      (10 + 11 + 14 + 15) / 4,
    ].map((v) => v / 15);
    Array.from(dst).forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? -1, 4));
  });

  it('reads DICOM pixels through rescale slope/intercept and the VOI window', async () => {
    const pixels = Uint16Array.of(0, 1000, 2000, 4095);
    const common = { pixels, rows: 2, columns: 2, bitsStored: 12, patientId: 'A', instanceUid: '2.25.42' };
    await tmp.write({
      'w.dcm': writeDicom({
        ...common,
        rescaleSlope: 2,
        rescaleIntercept: -1024,
        window: { center: 1024.5, width: 4097 },
      }),
      'r.dcm': writeDicom({ ...common, rescaleSlope: 1, rescaleIntercept: -1024 }),
    });
    const { dst, failed } = await loadAll([2, 2, 1], 'patient_id,path\nW,w.dcm\nR,r.dcm\n');
    expect(failed.size).toBe(0);
    // Window [-1024, 3072] over values 2s - 1024: 0 -> 0, 1000 -> 2000/4096, 2000 -> 4000/4096, 4095 -> 1 (clamped).
    [0, 2000 / 4096, 4000 / 4096, 1].forEach((v, i) => expect(dst[i]).toBeCloseTo(v, 3));
    // No window: the 12-bit stored range maps onto [0, 1].
    [0, 1000 / 4095, 2000 / 4095, 1].forEach((v, i) => expect(dst[4 + i]).toBeCloseTo(v, 5));
  });

  it('rejects unreadable, missing and foreign files with the manifest line, leaving the slot zeroed', async () => {
    const good = encodePng({ data: Float32Array.of(1), width: 1, height: 1, channels: 1, bitDepth: 8 });
    await tmp.write({
      'ok.png': good,
      'cut.png': good.subarray(0, 30),
      'x.txt': 'hello there, not an image at all',
    });
    const { dst, failed, rejected, ids } = await loadAll(
      [1, 1, 1],
      'patient_id,path\nA,ok.png\nB,cut.png\nC,gone.png\nD,x.txt\n',
    );
    expect(ids).toEqual(['A', 'B', 'C', 'D']);
    expect(Array.from(dst)).toEqual([1, 0, 0, 0]);
    expect([...failed].sort()).toEqual(['B', 'C', 'D']);
    const file = tmp.path('manifest.csv');
    expect(rejected.map((r) => [r.file, r.line, r.patientId])).toEqual([
      [file, 3, 'B'],
      [file, 4, 'C'],
      [file, 5, 'D'],
    ]);
    expect(rejected[0]?.reason).toMatch(/cut\.png: unreadable PNG/);
    expect(rejected[1]?.reason).toMatch(/gone\.png: image file not found/);
    expect(rejected[2]?.reason).toMatch(/x\.txt: not a PNG or DICOM file/);
  });

  it('rejects duplicate manifest rows and blank paths', async () => {
    const { manifest } = await loadAll([1, 1, 1], 'patient_id,path\nA,a.png\nA,b.png\nB,\n');
    expect(manifest.entries.size).toBe(0);
    expect(manifest.summary.rejected.map((r) => `${r.line} ${r.reason}`)).toEqual([
      "2 duplicate patient_id 'A' (also on line 3); all copies rejected",
      "3 duplicate patient_id 'A' (also on line 2); all copies rejected",
      '4 blank path',
    ]);
  });
});
