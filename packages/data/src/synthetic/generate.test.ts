import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSite } from '../align/load-site.ts';
import type { SiteData } from '../align/site-data.ts';
import { generateAndLoad } from '../testing/federation.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { generate } from './generate.ts';
import type { GenerateOptions } from './options.ts';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir();
});
afterEach(() => tmp.cleanup());

const SMALL: Omit<GenerateOptions, 'outDir' | 'seed'> = {
  sites: 2,
  patientsPerSite: 40,
  genes: 300,
  moduleSize: 20,
  imageSize: 32,
  dicomFraction: 0.3,
};

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

describe('generate', () => {
  it('writes byte-identical files for the same seed, different ones for another seed', async () => {
    await generate({ ...SMALL, outDir: tmp.path('a'), seed: 11 });
    await generate({ ...SMALL, outDir: tmp.path('b'), seed: 11 });
    await generate({ ...SMALL, outDir: tmp.path('c'), seed: 12 });
    const a = hashTree(tmp.path('a'));
    expect(Object.keys(a).length).toBeGreaterThan(50);
    expect(hashTree(tmp.path('b'))).toEqual(a);
    const c = hashTree(tmp.path('c'));
    expect(c['site-1/ehr.csv']).not.toBe(a['site-1/ehr.csv']);
    expect(c['site-1/genomics.tsv']).not.toBe(a['site-1/genomics.tsv']);
  });

  it('writes site folders the loader reads without a single rejection', async () => {
    const fed = await generate({ ...SMALL, outDir: tmp.path('fed'), seed: 3 });
    const files = readdirSync(join(fed.sites[0]?.dir ?? '', 'images'));
    expect(files.some((f) => f.endsWith('.png'))).toBe(true);
    expect(files.some((f) => f.endsWith('.dcm'))).toBe(true);
    expect(fed.sites.map((s) => s.orientation)).toEqual(['samples-by-genes', 'genes-by-samples']);
    for (const generated of fed.sites) {
      const site = await loadSite({ config: generated.config });
      expect(site.report.rejected).toEqual([]);
      expect(site.report.warnings).toEqual([]);
      expect(site.ehrFeatureNames).toHaveLength(32);
      expect(site.genes).toHaveLength(300);
      expect(site.imageShape).toEqual([32, 32, 1]);
      expect(
        site.train.batch.n + site.validation.batch.n + site.test.batch.n + site.report.combinations.none,
      ).toBe(generated.patients);
      expect(site.report.splits.test.patients).toBeLessThanOrEqual(generated.test);
      expect(site.report.modalityCounts.imaging).toBe(generated.withModality.imaging);
      expect(site.report.modalityCounts.genomics).toBe(generated.withModality.genomics);
    }
  });

  it('makes sites differ: sizes, label mix, missing rates, scanner', async () => {
    const fed = await generate({
      ...SMALL,
      sites: 3,
      patientsPerSite: 100,
      outDir: tmp.path('fed'),
      seed: 5,
    });
    const sizes = fed.sites.map((s) => s.patients);
    expect(new Set(sizes).size).toBe(3);
    expect(sizes.reduce((a, b) => a + b)).toBe(300);
    expect(new Set(fed.sites.map((s) => s.prevalence.cancer)).size).toBe(3);
    expect(new Set(fed.sites.map((s) => s.missingRates.imaging)).size).toBe(3);
    expect(new Set(fed.sites.map((s) => s.scanner.gain)).size).toBe(3);
    const summary = JSON.parse(readFileSync(tmp.path('fed/federation.json'), 'utf8')) as { sites: unknown[] };
    expect(summary.sites).toHaveLength(3);
  });

  it('images suspected cardiac cases more often (missingness depends on the patient)', async () => {
    const options = { ...SMALL, sites: 1, patientsPerSite: 800, testFraction: 0 };
    const [informative] = await generateAndLoad({ ...options, outDir: tmp.path('a'), seed: 9 });
    const [control] = await generateAndLoad({
      ...options,
      outDir: tmp.path('b'),
      seed: 9,
      imagingForSuspectedCardiac: 0,
    });
    const gap = (site: SiteData | undefined): number => {
      const { batch } = site?.train ?? { batch: undefined };
      if (!batch) return Number.NaN;
      const rate = [0, 0, 0, 0]; // [imaged positives, imaged labelled, others positives, others labelled]
      for (let i = 0; i < batch.n; i++) {
        const y = batch.labels[i * 3 + 1] as number;
        if (Number.isNaN(y)) continue;
        const k = batch.present[i * 3 + 1] === 1 ? 0 : 2;
        rate[k] = (rate[k] as number) + y;
        rate[k + 1] = (rate[k + 1] as number) + 1;
      }
      return (rate[0] as number) / (rate[1] as number) - (rate[2] as number) / (rate[3] as number);
    };
    expect(gap(informative)).toBeGreaterThan(0.1);
    expect(Math.abs(gap(control))).toBeLessThan(0.08);
  });

  it('regenerates over its own output but refuses a folder it did not create', async () => {
    await generate({ ...SMALL, outDir: tmp.path('fed'), seed: 1 });
    await expect(generate({ ...SMALL, sites: 1, outDir: tmp.path('fed'), seed: 2 })).resolves.toMatchObject({
      seed: 2,
    });
    expect(readdirSync(tmp.path('fed')).sort()).toEqual(['federation.json', 'site-1']);
    writeFileSync(tmp.path('mine.txt'), 'precious');
    await expect(generate({ ...SMALL, outDir: tmp.dir, seed: 1 })).rejects.toThrow(
      /not empty and holds no federation\.json/,
    );
    await expect(generate({ ...SMALL, outDir: tmp.path('x'), seed: 1, genes: 100 })).rejects.toThrow(
      RangeError,
    );
  });
});
