import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNTHETIC_TASKS } from '../synthetic/options.ts';
import { generateAndLoad } from '../testing/federation.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { calibrate } from './calibration.ts';

let tmp: TempDir;
beforeAll(async () => {
  tmp = await makeTempDir();
});
afterAll(() => tmp.cleanup());

describe('negative-control variants', () => {
  it('a pure-noise modality predicts nothing on its own (AUC ≈ 0.5) while the others still do', async () => {
    const sites = await generateAndLoad({
      outDir: tmp.path('noise'),
      seed: 7,
      patientsPerSite: 600,
      noiseModality: 'genomics',
    });
    const [ehr, genomics] = calibrate({ sites, sets: ['ehr', 'genomics'] });
    for (const task of SYNTHETIC_TASKS) {
      expect.soft(Math.abs((genomics?.auc[task] ?? 0) - 0.5), `genomics ${task}`).toBeLessThan(0.08);
      expect.soft(ehr?.auc[task], `ehr ${task}`).toBeGreaterThan(0.65);
    }
  }, 300_000);

  it('redundant modalities gain nothing from fusion: all three ≈ the best one alone', async () => {
    const sites = await generateAndLoad({
      outDir: tmp.path('redundant'),
      seed: 8,
      patientsPerSite: 800,
      variant: 'redundant',
    });
    const rows = calibrate({ sites });
    for (const task of SYNTHETIC_TASKS) {
      const best = Math.max(...rows.filter((r) => r.set !== 'all').map((r) => r.auc[task] ?? 1));
      const all = rows.find((r) => r.set === 'all')?.auc[task] ?? 0;
      expect.soft(all - best, task).toBeLessThan(0.03);
    }
  }, 300_000);
});
