import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteData } from '@fedfuse/data';
import { generate, loadSite } from '@fedfuse/data';
import type { Haystack, Needle } from './privacy-scan.ts';
import { findLeaks, float32Bytes, recordedHaystacks, siteNeedles } from './privacy-scan.ts';

let dir: string;
let site: SiteData;
let ehrCsv: string;
let needles: Needle[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fedfuse-privacy-scan-'));
  const generated = await generate({
    outDir: join(dir, 'sites'),
    seed: 5,
    sites: 1,
    patientsPerSite: 30,
    genes: 50,
    moduleSize: 5,
    imageSize: 16,
  });
  const generatedSite = generated.sites[0]!;
  site = await loadSite({ config: generatedSite.config });
  ehrCsv = readFileSync(join(generatedSite.dir, 'ehr.csv'), 'utf8');
  needles = siteNeedles(site, { ehrCsv, rows: 10, images: 10 });
});

/** Deterministic noise, standing in for ciphertext or a model delta. */
function noise(bytes: number, seed = 1): Buffer {
  const out = Buffer.alloc(bytes);
  let state = seed;
  for (let i = 0; i < bytes; i++) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** `inner` placed inside noise at an unaligned offset, as a leak inside a larger message would be. */
function plant(inner: Buffer): Buffer {
  return Buffer.concat([noise(1001, 2), inner, noise(999, 3)]);
}

/** The first imaged training patient's whole image, as the model's float32 input. */
function firstImage(): { id: string; image: Float32Array } {
  const [h, w, c] = site.imageShape;
  const pixels = h * w * c;
  const { batch, patientIds } = site.train;
  for (let r = 0; r < batch.n; r++)
    if (batch.present[r * 3 + 1] === 1)
      return { id: patientIds[r]!, image: batch.image.slice(r * pixels, (r + 1) * pixels) };
  throw new Error('no imaged patient');
}

const kinds = (leaks: { kind: string }[]) => [...new Set(leaks.map((l) => l.kind))].sort();

describe('the privacy scanner', () => {
  it('builds needles of every kind from a site', () => {
    expect(kinds(needles)).toEqual([
      'ehr row (float32)',
      'ehr row (text)',
      'image pixels (float32)',
      'image pixels (uint8)',
      'patient id',
    ]);
    expect(needles.filter((n) => n.kind === 'patient id')).toHaveLength(
      site.train.patientIds.length + site.validation.patientIds.length + site.test.patientIds.length,
    );
  });

  it('finds nothing in noise, in a random float32 delta, or in counts-only JSON', () => {
    const delta = float32Bytes(Array.from(noise(4000, 9), (b) => (b - 128) / 1000));
    const report = Buffer.from(JSON.stringify({ combinations: { 'ehr.imaging': 12 }, trainPatients: 24 }));
    const clean: Haystack[] = [
      { name: 'noise', bytes: noise(100_000) },
      { name: 'delta', bytes: delta },
      { name: 'report', bytes: report },
    ];
    expect(findLeaks(needles, clean)).toEqual([]);
  });

  it('catches a planted patient id, image, EHR row as text and as float32', () => {
    const { id, image } = firstImage();
    const width = site.ehrFeatureNames.length;
    const csvRow = ehrCsv.split('\n')[1]!;
    const planted: Haystack[] = [
      {
        name: 'id in JSON',
        bytes: Buffer.from(JSON.stringify({ note: `patient ${site.test.patientIds[0]}` })),
      },
      {
        name: 'pixels as bytes',
        bytes: plant(Buffer.from(Uint8Array.from(image, (v) => Math.round(v * 255)))),
      },
      { name: 'pixels as float32', bytes: plant(float32Bytes(image)) },
      { name: 'csv line', bytes: plant(Buffer.from(csvRow)) },
      { name: 'standardized row', bytes: plant(float32Bytes(site.train.batch.ehr.subarray(0, width))) },
    ];
    const leaks = findLeaks(needles, planted);
    const caught = (haystack: string) => kinds(leaks.filter((l) => l.haystack === haystack));
    expect(caught('id in JSON')).toEqual(['patient id']);
    expect(caught('pixels as bytes')).toEqual(['image pixels (uint8)']);
    expect(leaks).toContainEqual(expect.objectContaining({ haystack: 'pixels as float32', label: id }));
    expect(caught('csv line')).toEqual(expect.arrayContaining(['ehr row (text)', 'patient id']));
    expect(caught('standardized row')).toEqual(['ehr row (float32)']);
  });

  it('reads a recording: binary payloads, and numbers sent as JSON arrays', () => {
    const { image } = firstImage();
    const cells = ehrCsv.split('\n')[1]!.split(',').slice(1);
    const rawRow = cells
      .filter((c) => c !== '')
      .map(Number)
      .filter(Number.isFinite);
    const file = join(dir, 'inbound.jsonl');
    const line = (payload: unknown) => JSON.stringify({ at: 1, socket: 's', event: 'e', payload: [payload] });
    writeFileSync(
      file,
      [
        line({ data: { $bytes: plant(float32Bytes(image)).toString('base64') } }),
        line({ metrics: { values: rawRow } }),
      ].join('\n'),
    );
    const leaks = findLeaks(needles, recordedHaystacks(file));
    expect(leaks).toContainEqual(
      expect.objectContaining({ kind: 'image pixels (float32)', haystack: 'recorded messages (binary)' }),
    );
    expect(leaks).toContainEqual(
      expect.objectContaining({
        kind: 'ehr row (float32)',
        haystack: 'recorded messages (numbers as float32)',
      }),
    );
  });
});
