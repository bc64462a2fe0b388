import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SiteData } from '../align/site-data.ts';
import { DOMINANT } from '../synthetic/latent.ts';
import { SYNTHETIC_TASKS } from '../synthetic/options.ts';
import { generateAndLoad } from '../testing/federation.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { calibrate, type CalibrationRow } from './calibration.ts';

// Large enough that the test AUCs carry about ±0.02 of sampling noise; the default demo size
// (3 × 300) gives the logistic regression too few patients per gene to show the calibration.
const PATIENTS_PER_SITE = 1000;
const MARGIN = 0.04;

let tmp: TempDir;
let rows: CalibrationRow[];
beforeAll(async () => {
  tmp = await makeTempDir();
  const sites: SiteData[] = await generateAndLoad({
    outDir: tmp.dir,
    seed: 2,
    patientsPerSite: PATIENTS_PER_SITE,
  });
  rows = calibrate({ sites });
}, 300_000);
afterAll(() => tmp.cleanup());

const row = (set: CalibrationRow['set']): CalibrationRow => {
  const found = rows.find((r) => r.set === set);
  if (!found) throw new Error(`no calibration row for ${set}`);
  return found;
};

describe('synthetic data calibration (logistic regression, pooled test splits)', () => {
  it('one modality alone reaches AUC 0.70–0.82 on every task (± margin)', () => {
    for (const set of ['ehr', 'imaging', 'genomics'] as const) {
      for (const task of SYNTHETIC_TASKS) {
        expect.soft(row(set).auc[task], `${set} ${task}`).toBeGreaterThanOrEqual(0.7 - MARGIN);
        expect.soft(row(set).auc[task], `${set} ${task}`).toBeLessThanOrEqual(0.82 + MARGIN);
      }
    }
  });

  it('all three together reach AUC 0.90–0.93 (± margin), well above the best single modality', () => {
    for (const task of SYNTHETIC_TASKS) {
      const all = row('all').auc[task] ?? Number.NaN;
      expect.soft(all, task).toBeGreaterThanOrEqual(0.9 - MARGIN);
      expect.soft(all, task).toBeLessThanOrEqual(0.93 + MARGIN);
      const best = Math.max(...(['ehr', 'imaging', 'genomics'] as const).map((s) => row(s).auc[task] ?? 1));
      expect.soft(all - best, task).toBeGreaterThan(0.06);
    }
  });

  it('the dominant modality of each task is its best single modality within each hospital', () => {
    for (const task of SYNTHETIC_TASKS) {
      const singles = (['ehr', 'imaging', 'genomics'] as const).map((set) => ({
        set,
        auc: row(set).siteAuc[task] ?? 0,
      }));
      const best = singles.reduce((a, b) => (b.auc > a.auc ? b : a));
      expect.soft(best.set, task).toBe(DOMINANT[task]);
    }
  });
});
