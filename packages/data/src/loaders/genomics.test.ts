import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GenomicsConfig } from '../config/site-config.ts';
import type { Rejection } from '../errors.ts';
import { DEFAULT_MISSING_VALUES } from '../io/values.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { loadGenePanel } from './gene-panel.ts';
import { fillGenomics } from './genomics-fill.ts';
import { indexGenomics } from './genomics-index.ts';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir();
});
afterEach(() => tmp.cleanup());

// Values per sample S1..S3 for genes A, B, C (the panel is C, A).
const VALUES: Record<string, Record<string, number>> = {
  S1: { A: 0, B: 5, C: 1 },
  S2: { A: 3, B: 5, C: 7 },
  S3: { A: 10, B: 5, C: 0.5 },
};
const samplesByGenes = (sep: string) =>
  [
    ['patient_id', 'A', 'B', 'C'].join(sep),
    ...Object.entries(VALUES).map(([s, v]) => [s, v.A, v.B, v.C].join(sep)),
  ].join('\n');
const genesBySamples = (sep: string, idCell = 'gene') =>
  [
    [idCell, 'S1', 'S2', 'S3'].join(sep),
    ...['A', 'B', 'C'].map((g) => [g, ...Object.values(VALUES).map((v) => v[g])].join(sep)),
  ].join('\n');

async function load(file: string, options: Partial<GenomicsConfig> = {}) {
  const config: GenomicsConfig = {
    path: tmp.path(file),
    panel: tmp.path('panel.txt'),
    orientation: 'auto',
    transform: 'log1p',
    ...options,
  };
  const panel = await loadGenePanel(config.panel);
  const index = await indexGenomics({ config, panel, idColumn: 'patient_id' });
  const ids = [...index.samples.keys()].sort();
  const dst = new Float32Array(ids.length * panel.length);
  const rejected: Rejection[] = [...index.rejected];
  const failed = await fillGenomics({
    index,
    panel,
    transform: config.transform,
    slots: new Map(ids.map((id, slot) => [id, { dst, slot }])),
    missingValues: new Set(DEFAULT_MISSING_VALUES),
    reject: (r) => void rejected.push(r),
  });
  return { index, ids, dst, failed, rejected };
}

const expected = ['S1', 'S2', 'S3']
  .flatMap((s) => [Math.log1p(VALUES[s]?.C ?? NaN), Math.log1p(VALUES[s]?.A ?? NaN)])
  .map(Math.fround);

describe('genomics loader', () => {
  it('reads both orientations into the same panel-ordered log1p values', async () => {
    await tmp.write({
      'panel.txt': '# federation panel v1\nC\nA\n',
      'sg.tsv': samplesByGenes('\t'),
      'gs.tsv': genesBySamples('\t'),
      'gs-unnamed.csv': genesBySamples(',', ''),
    });
    const sg = await load('sg.tsv');
    expect(sg.index.orientation).toBe('samples-by-genes');
    expect(Array.from(sg.dst)).toEqual(expected);
    const gs = await load('gs.tsv');
    expect(gs.index.orientation).toBe('genes-by-samples');
    expect(Array.from(gs.dst)).toEqual(expected);
    // No telling id cell: the panel genes are found in the first column, not the header.
    const unnamed = await load('gs-unnamed.csv');
    expect(unnamed.index.orientation).toBe('genes-by-samples');
    expect(Array.from(unnamed.dst)).toEqual(expected);
    const raw = await load('sg.tsv', { transform: 'none' });
    expect(raw.dst[0]).toBe(1);
  });

  it('refuses an unknown panel and a panel gene the matrix lacks', async () => {
    await tmp.write({ 'sg.tsv': samplesByGenes('\t') });
    await expect(load('sg.tsv')).rejects.toThrow(/panel\.txt: unknown gene panel: file not found/);
    await tmp.write({ 'panel.txt': 'A\nTP53\nC\n' });
    await expect(load('sg.tsv')).rejects.toThrow(/sg\.tsv: panel genes missing from the matrix header: TP53/);
    await tmp.write({ 'panel.txt': 'A\nA\n' });
    await expect(load('sg.tsv')).rejects.toThrow(/panel\.txt:2: gene 'A' is listed twice/);
  });

  it('rejects a sample with a non-numeric or negative value, in either orientation', async () => {
    await tmp.write({
      'panel.txt': 'C\nA\n',
      'sg.csv': 'patient_id,A,B,C\nS1,1,x,2\nS2,abc,0,1\nS3,1,1,-2\n',
      'gs.csv': 'gene,S1,S2,S3\nA,1,2,3\nC,4,n/a,6\n',
    });
    const sg = await load('sg.csv');
    expect([...sg.failed].sort()).toEqual(['S2', 'S3']);
    expect(sg.rejected.map((r) => `${r.line} ${r.patientId}: ${r.reason}`)).toEqual([
      `3 S2: non-numeric value "abc" for gene 'A'`,
      `4 S3: negative expression -2 for gene 'C' cannot be log1p-transformed`,
    ]);
    expect(Array.from(sg.dst.slice(2))).toEqual([0, 0, 0, 0]);
    expect(sg.dst[0]).toBeCloseTo(Math.log1p(2), 6);
    const gs = await load('gs.csv');
    expect(gs.rejected.map((r) => `${r.line} ${r.patientId}: ${r.reason}`)).toEqual([
      `3 S2: non-numeric value "n/a" for gene 'C'`,
    ]);
  });

  it('rejects duplicate sample ids and refuses duplicate panel genes', async () => {
    await tmp.write({
      'panel.txt': 'A\n',
      'gs.csv': 'gene,S1,S1,S2\nA,1,2,3\n',
      'dup.csv': 'gene,S1\nA,1\nA,2\n',
    });
    const gs = await load('gs.csv');
    expect(gs.ids).toEqual(['S2']);
    expect(gs.rejected.map((r) => r.reason)).toEqual([
      "duplicate sample id 'S1'; all copies rejected",
      "duplicate sample id 'S1'; all copies rejected",
    ]);
    await expect(load('dup.csv')).rejects.toThrow(
      /panel gene 'A' appears twice in the first column \(at 2 and 3\)/,
    );
  });

  it('reads a BOM, CRLF and quoted ids; a short record is rejected (sample) or refused (gene) at its line', async () => {
    await tmp.write({
      'panel.txt': 'C\nA\n',
      'sg.csv': '\ufeffpatient_id,A,B,C\r\n"S1",0,5,1\r\n\r\nS2,3,5\r\nS3,10,5,0.5\r\n',
      'gs.csv': 'gene,S1,S2,S3\nA,0,3,10\nC,1,7\n',
    });
    const sg = await load('sg.csv');
    expect(sg.ids).toEqual(['S1', 'S2', 'S3']);
    expect(sg.rejected.map((r) => `${r.line} ${r.patientId}: ${r.reason}`)).toEqual([
      '4 S2: expected 4 cells, found 3',
    ]);
    expect(Array.from(sg.dst.slice(0, 2))).toEqual([Math.log1p(1), Math.log1p(0)].map(Math.fround));
    await expect(load('gs.csv')).rejects.toThrow(
      `${tmp.path('gs.csv')}:3: gene 'C': expected 4 cells, found 3`,
    );
  });
});
