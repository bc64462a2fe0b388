import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SiteDataError } from '../errors.ts';
import { encodePng } from '../synthetic/png-writer.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { formatLoadReport } from './load-report.ts';
import { loadSite } from './load-site.ts';
import { PRESENCE_KEYS } from './presence.ts';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir();
});
afterEach(() => tmp.cleanup());

const png = (v: number) =>
  encodePng({ data: new Float32Array(4).fill(v), width: 2, height: 2, channels: 1, bitDepth: 16 });

/** One patient per presence combination: P1..P7 the non-empty ones, P8 labels only, P9 an unreadable image only. */
async function writeCombinationSite(): Promise<string> {
  await tmp.write({
    'site.yaml': [
      'site: combos',
      'tasks: [cancer, cardiac]',
      'ehr: { path: ehr.csv, numeric: [age], categorical: { sex: [F, M] } }',
      'imaging: { manifest: images/manifest.csv, size: [2, 2, 1] }',
      'genomics: { path: expression.tsv, panel: panel.txt }',
      // No validation patients here: the rows stay where the labels file puts them.
      'labels: { path: labels.csv, validationFraction: 0 }',
      'maxRejectedFraction: 0.9',
    ].join('\n'),
    'ehr.csv': 'patient_id,age [years],sex\nP5,70,M\nP1,40,F\nP3,,F\nP2,60,\n',
    'images/manifest.csv': 'patient_id,path\nP1,p1.png\nP2,p2.png\nP4,p4.png\nP6,p6.png\nP9,p9.png\n',
    'images/p1.png': png(0.1),
    'images/p2.png': png(0.2),
    'images/p4.png': png(0.4),
    'images/p6.png': png(0.6),
    'images/p9.png': Buffer.from('not a png'),
    'panel.txt': 'G2\nG1\n',
    'expression.tsv': 'gene\tP7\tP4\tP3\tP1\nG1\t0\t1\t2\t3\nG2\t5\t5\t5\t5\n',
    'labels.csv':
      'patient_id,split,cancer,cardiac\nP1,,1,0\nP2,test,0,1\nP3,,,1\nP4,test,1,\nP5,,0,0\nP6,,1,1\nP7,,0,1\nP8,,1,1\n',
  });
  return tmp.path('site.yaml');
}

describe('loadSite', () => {
  it('aligns every presence combination by patient id into both splits', async () => {
    const site = await loadSite({ config: await writeCombinationSite() });
    expect(site.train.patientIds).toEqual(['P1', 'P3', 'P5', 'P6', 'P7']);
    expect(site.test.patientIds).toEqual(['P2', 'P4']);
    const flags = (split: 'train' | 'test') =>
      site[split].patientIds.map(
        (id, i) => `${id}:${Array.from(site[split].batch.present.subarray(i * 3, i * 3 + 3)).join('')}`,
      );
    expect(flags('train')).toEqual(['P1:111', 'P3:101', 'P5:100', 'P6:010', 'P7:001']);
    expect(flags('test')).toEqual(['P2:110', 'P4:011']);
    expect(site.report.combinations).toEqual({
      'ehr+imaging+genomics': 1,
      'ehr+imaging': 1,
      'ehr+genomics': 1,
      'imaging+genomics': 1,
      ehr: 1,
      imaging: 1,
      genomics: 1,
      none: 2,
    });
    expect(Object.keys(site.report.combinations)).toEqual(PRESENCE_KEYS);
    expect(site.report.modalityCounts).toEqual({ ehr: 4, imaging: 4, genomics: 4, labels: 8 });
    expect(site.report.rejected).toEqual([
      expect.objectContaining({
        source: 'imaging',
        line: 6,
        patientId: 'P9',
        reason: expect.stringMatching(/p9\.png: not a PNG/) as string,
      }),
    ]);
  });

  it('fills each row from the right patient: labels, images, genes, EHR', async () => {
    const site = await loadSite({ config: await writeCombinationSite() });
    const { batch } = site.test;
    expect(Array.from(batch.labels)).toEqual([0, 1, 1, Number.NaN]);
    expect(Array.from(batch.image.subarray(0, 4)).map((v) => v.toFixed(3))).toEqual([
      '0.200',
      '0.200',
      '0.200',
      '0.200',
    ]);
    expect(Array.from(batch.image.subarray(4, 8)).map((v) => v.toFixed(3))).toEqual([
      '0.400',
      '0.400',
      '0.400',
      '0.400',
    ]);
    expect(site.genes).toEqual(['G2', 'G1']);
    // Train genomics rows P1, P3, P7 hold log1p(G1) = log1p(3), log1p(2), log1p(0); standardized with train stats.
    const g1 = [3, 2, 0].map(Math.log1p);
    const mean = g1.reduce((a, b) => a + b) / 3;
    const std = Math.sqrt(g1.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
    const train = site.train.batch;
    const genomicsRow = (i: number) => Array.from(train.genomics.subarray(i * 2, i * 2 + 2));
    expect(genomicsRow(0)[1]).toBeCloseTo((g1[0]! - mean) / std, 5);
    expect(genomicsRow(4)[1]).toBeCloseTo((g1[2]! - mean) / std, 5);
    expect(genomicsRow(0)[0]).toBe(0); // G2 is constant: centred, never divided by zero
    expect(genomicsRow(2)).toEqual([0, 0]); // P5 has no genomics
    // P4 (test) is standardized with the train statistics, not its own.
    expect(site.test.batch.genomics[3]).toBeCloseTo((Math.log1p(1) - mean) / std, 5);
  });

  it('standardizes numeric EHR, imputes missing values with the mean and flags them', async () => {
    const site = await loadSite({ config: await writeCombinationSite() });
    expect(site.ehrFeatureNames).toEqual(['age', 'sex=F', 'sex=M', 'age_missing']);
    const rows = site.train.batch.ehr;
    const row = (i: number) => Array.from(rows.subarray(i * 4, i * 4 + 4)).map((v) => Number(v.toFixed(4)));
    // Train ages: P1 40, P5 70 (P3 missing) -> mean 55, std 15.
    expect(row(0)).toEqual([-1, 1, 0, 0]);
    expect(row(1)).toEqual([0, 1, 0, 1]);
    expect(row(2)).toEqual([1, 0, 1, 0]);
    expect(row(3)).toEqual([0, 0, 0, 0]);
    expect(site.localStats.ehr).toEqual({ names: ['age'], count: [2], sum: [110], sumSq: [6500] });
    expect(site.normalization.ehr).toEqual({ mean: [55], std: [15] });
  });

  it('prints a report an administrator can act on', async () => {
    const site = await loadSite({ config: await writeCombinationSite() });
    const text = formatLoadReport(site.report);
    expect(text).toContain('ehr+imaging+genomics   1');
    expect(text).toContain('none                   2');
    expect(text).toMatch(
      /Rejected \(1\):\n {2}.*manifest\.csv:6 \(patient P9\): .*p9\.png: not a PNG or DICOM file/,
    );
    expect(text).toContain('test: 2 patients; cancer 1/2 positive, cardiac 1/1 positive');
  });

  it('throws SiteDataError naming the file when a source is missing or broken', async () => {
    const config = await writeCombinationSite();
    await tmp.write({ 'panel.txt': 'G1\nG3\n' });
    await expect(loadSite({ config })).rejects.toThrow(
      /expression\.tsv: panel genes missing from the matrix first column: G3/,
    );
    await tmp.write({ 'panel.txt': 'G1\n', 'ehr.csv': '' });
    const error = await loadSite({ config }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SiteDataError);
    expect((error as SiteDataError).file).toBe(tmp.path('ehr.csv'));
    expect((error as SiteDataError).reason).toBe('empty file: expected a header row');
  });

  it('refuses a site whose images mostly fail to decode', async () => {
    const config = await writeCombinationSite();
    await tmp.write({
      'images/p1.png': 'x',
      'images/p2.png': 'x',
      'images/p4.png': 'x',
      'images/p6.png': 'x',
    });
    await expect(loadSite({ config: config })).rejects.toThrow(/manifest\.csv: 5 of 5 rows rejected/);
  });
});
