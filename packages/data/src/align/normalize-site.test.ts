import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeFeatureStats } from '../stats/feature-stats.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { loadSite } from './load-site.ts';
import { applyFeatureStats } from './normalize-site.ts';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir();
});
afterEach(() => tmp.cleanup());

async function writeSite(name: string, ages: (number | '')[]): Promise<string> {
  const rows = ages.map((a, i) => `${name}${i},${a}`).join('\n');
  await tmp.write({
    [`${name}/site.yaml`]: `site: ${name}\nehr: { path: ehr.csv }\n`,
    [`${name}/ehr.csv`]: `patient_id,age\n${rows}\n`,
  });
  return tmp.path(`${name}/site.yaml`);
}

describe('applyFeatureStats', () => {
  it('re-standardizes every site with the federation’s pooled statistics', async () => {
    const a = await loadSite({ config: await writeSite('a', [10, 20, '']) });
    const b = await loadSite({ config: await writeSite('b', [30, 40, 50, 60]) });
    // Locally each site is centred on its own mean.
    expect(Array.from(a.train.batch.ehr.filter((_, i) => i % 2 === 0))).toEqual([-1, 1, 0]);
    const shared = mergeFeatureStats([a.localStats, b.localStats]);
    applyFeatureStats(a, shared);
    applyFeatureStats(b, shared);
    // Pooled ages 10..60 (six values): mean 35, population std sqrt(291.67).
    const std = Math.sqrt(((25 ** 2 + 15 ** 2 + 5 ** 2) * 2) / 6);
    const ages = [
      ...a.train.batch.ehr.filter((_, i) => i % 2 === 0),
      ...b.train.batch.ehr.filter((_, i) => i % 2 === 0),
    ];
    const expected = [10, 20, 35, 30, 40, 50, 60].map((x) => (x - 35) / std);
    ages.forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? Number.NaN, 5));
    expect(a.train.batch.ehr[5]).toBe(1); // the missing age keeps its indicator
    expect(a.normalization.ehr.mean).toEqual([35]);
  });

  it('refuses statistics for other features before touching the batch', async () => {
    const a = await loadSite({ config: await writeSite('a', [10, 20]) });
    const before = Float32Array.from(a.train.batch.ehr);
    const other = { ...a.localStats, ehr: { ...a.localStats.ehr, names: ['bmi'] } };
    expect(() => applyFeatureStats(a, other)).toThrow(/different features/);
    expect(a.train.batch.ehr).toEqual(before);
  });
});
