import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSite } from '@fedfuse/data';
import { textureEnergies } from '@fedfuse/model';
import { MIN_TEXTURE_IMAGES, SiteDataSchema } from '@fedfuse/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runCli } from '../cli.ts';
import { writeClientConfig } from '../store/client-config.ts';
import { sitePaths } from '../store/site-paths.ts';
import { captureIo } from '../testing/capture-io.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { writeTinySite } from '../testing/tiny-site.ts';
import { formatDataSchema, siteDataSchema } from './data-schema.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const EHR_NAMES = ['age', 'bmi', 'age_missing', 'bmi_missing'];
const GENES = ['G1', 'G2', 'G3', 'G4', 'G5', 'G6', 'G7', 'G8'];
const sha256 = (lines: string[]) => createHash('sha256').update(lines.join('\n')).digest('hex');

/** Every number anywhere inside `value`. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('siteDataSchema', () => {
  it('reports column names, the panel hash, the image shape and labelled counts per split', async () => {
    const site = await loadSite({ config: await writeTinySite(join(dir, 'data')) });
    const schema = siteDataSchema(site);
    expect(SiteDataSchema.parse(schema)).toEqual(schema);
    expect(schema).toEqual({
      modalities: ['ehr', 'imaging', 'genomics'],
      ehr: { dim: 4, namesHash: sha256(EHR_NAMES), names: EHR_NAMES },
      genomics: { genes: 8, panelHash: sha256(GENES) },
      imageShape: [8, 8, 1],
      imageTexture: null, // too few training images to share a sum of their texture energies
      tasks: {
        cancer: {
          train: site.report.splits.train.labelled.cancer,
          validation: site.report.splits.validation.labelled.cancer,
          test: 6,
        },
        cardiac: {
          train: site.report.splits.train.labelled.cardiac,
          validation: site.report.splits.validation.labelled.cardiac,
          test: 6,
        },
      },
    });
    // P2's cardiac label is blank: one fewer labelled training patient than for cancer.
    expect(schema.tasks.cardiac!.train).toBe(schema.tasks.cancer!.train! - 1);
  });

  it('reveals no value from the data: only counts, widths and the shape are numbers', async () => {
    const data = join(dir, 'data');
    const site = await loadSite({ config: await writeTinySite(data) });
    const schema = siteDataSchema(site);
    const allowed = new Set([
      ...Object.values(schema.tasks).flatMap((splits) => Object.values(splits)),
      schema.ehr!.dim,
      schema.genomics!.genes,
      ...schema.imageShape!,
    ]);
    expect(numbersIn(schema).filter((n) => !allowed.has(n))).toEqual([]);
    const text = JSON.stringify(schema);
    const cells = [
      await readFile(join(data, 'ehr.csv'), 'utf8'),
      await readFile(join(data, 'expression.tsv'), 'utf8'),
    ]
      .flatMap((file) => file.split(/[\n,\t]/))
      .filter((cell) => /^\d+\.\d+$/.test(cell));
    expect(cells.length).toBeGreaterThan(100);
    expect(cells.filter((cell) => text.includes(cell))).toEqual([]);
  });

  it("shares texture sums only over enough training images, and they are those images' sums", async () => {
    const site = await loadSite({ config: await writeTinySite(join(dir, 'data'), { patients: 60 }) });
    const schema = siteDataSchema(site);
    const train = site.train.batch;
    const withImage = Array.from({ length: train.n }, (_, r) => r).filter(
      (r) => train.present[r * 3 + 1] === 1,
    );
    expect(withImage.length).toBeGreaterThanOrEqual(MIN_TEXTURE_IMAGES);
    const energies = withImage.map((r) =>
      textureEnergies(train.image.subarray(r * 64, (r + 1) * 64), [8, 8, 1]),
    );
    expect(schema.imageTexture!.images).toBe(withImage.length);
    schema.imageTexture!.sum.forEach((v, k) =>
      expect(v).toBeCloseTo(
        energies.reduce((s, e) => s + e[k]!, 0),
        6,
      ),
    );
    expect(SiteDataSchema.parse(schema)).toEqual(schema);
    // One image fewer than the floor: nothing shared.
    const few = { ...train, n: MIN_TEXTURE_IMAGES - 1 };
    expect(siteDataSchema({ ...site, train: { ...site.train, batch: few } }).imageTexture).toBeNull();
  });

  it('leaves out a modality the site does not have', async () => {
    const site = await loadSite({ config: await writeTinySite(join(dir, 'data')) });
    const ehrOnly = siteDataSchema({
      ...site,
      genes: [],
      report: { ...site.report, modalityCounts: { ...site.report.modalityCounts, imaging: 0, genomics: 0 } },
    });
    expect(ehrOnly).toMatchObject({ modalities: ['ehr'], genomics: null, imageShape: null });
    expect(ehrOnly).not.toHaveProperty('imageTexture');
  });
});

describe('fedfuse-client check', () => {
  it('prints the schema the daemon reports, from the same function', async () => {
    const data = await writeTinySite(join(dir, 'data'));
    await writeClientConfig(sitePaths(dir).clientConfig, {
      siteName: 'tiny',
      data,
      backend: 'wasm',
      threads: 1,
      coordinatorUrl: '',
    });
    const io = captureIo(dir);
    expect(await runCli(['check', '--dir', dir], io)).toBe(0);
    const expected = formatDataSchema(siteDataSchema(await loadSite({ config: data })));
    expect(io.out()).toContain(expected);
    expect(expected).toContain('4 encoded columns: age, bmi, age_missing, bmi_missing');
    expect(expected).toContain(`8 (panel hash ${sha256(GENES)})`);
    expect(expected).toContain('image shape  8×8×1');
  });
});
