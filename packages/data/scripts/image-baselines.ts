// Logistic-regression yardsticks for the imaging branch on a federation generated as `fedfuse-sim run`
// generates it: per task, LR on the images average-pooled to 16×16 pixels (imaging patients only), and
// LR on all modalities (EHR, 8×8 image block summaries, genes: `calibrate`), pooled test AUC.
// Usage: npx tsx packages/data/scripts/image-baselines.ts [--family axial] [--seeds 1,2,3]
import { parseArgs } from 'node:util';
import { rocAuc } from '@fedfuse/model/spec';
import {
  calibrate,
  fitLogistic,
  predictLogits,
  type Design,
  type ImageFamily,
  type SiteData,
} from '../src/index.ts';
import { standardizeColumns } from '../src/eval/feature-sets.ts';
import { withSimulatorFederation } from './sim-federation.ts';

const { values: args } = parseArgs({
  options: {
    family: { type: 'string', default: 'axial' },
    seeds: { type: 'string', default: '1,2,3' },
    patients: { type: 'string', default: '600' },
  },
});
const GRID = 16;
const RIDGES = [0.01, 0.1, 1];

/** Images of the split's imaging patients average-pooled to GRID × GRID, with their labels. */
function pooledPixels(sites: SiteData[], split: 'train' | 'test'): { design: Design; y: Float32Array } {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const site of sites) {
    const [h, w, c] = site.imageShape;
    const { batch } = site[split];
    const T = site.tasks.length;
    for (let i = 0; i < batch.n; i++) {
      if (batch.present[i * 3 + 1] !== 1) continue;
      const cells = new Array<number>(GRID * GRID).fill(0);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let k = 0; k < c; k++) {
            const cell = Math.floor((y * GRID) / h) * GRID + Math.floor((x * GRID) / w);
            cells[cell] = (cells[cell] as number) + (batch.image[((i * h + y) * w + x) * c + k] as number);
          }
      rows.push(cells.map((v) => v / ((h * w * c) / (GRID * GRID))));
      for (let t = 0; t < T; t++) labels.push(batch.labels[i * T + t] as number);
    }
  }
  const design = { x: Float32Array.from(rows.flat()), n: rows.length, d: GRID * GRID };
  return { design, y: Float32Array.from(labels) };
}

function pixelsAuc(sites: SiteData[], l2: number): number[] {
  const tasks = sites[0]?.tasks.length ?? 0;
  const train = pooledPixels(sites, 'train');
  const test = pooledPixels(sites, 'test');
  standardizeColumns([train.design, test.design]);
  const model = fitLogistic(train.design, { y: train.y, tasks, l2, steps: 300 });
  const logits = predictLogits(model, test.design);
  return Array.from({ length: tasks }, (_, t) => {
    const rows = Array.from({ length: test.design.n }, (_, i) => i);
    return rocAuc(
      rows.map((i) => logits[i * tasks + t] as number),
      rows.map((i) => test.y[i * tasks + t] as number),
    );
  });
}

const fmt = (values: number[]): string => values.map((v) => v.toFixed(3)).join(' / ');

for (const seed of args.seeds.split(',').map(Number)) {
  const federation = { seed, family: args.family as ImageFamily, patientsPerSite: Number(args.patients) };
  await withSimulatorFederation(federation, (sites) => {
    const tasks = sites[0]?.tasks ?? [];
    console.log(`seed ${seed}, family ${args.family}, tasks ${tasks.join(' / ')}`);
    for (const l2 of RIDGES) console.log(`  LR on 16×16 pixels, ridge ${l2}: ${fmt(pixelsAuc(sites, l2))}`);
    for (const row of calibrate({ sites, sets: ['imaging', 'all'] }))
      console.log(
        `  LR ${row.set} (calibrate, n = ${row.test}): ${fmt(tasks.map((t) => row.auc[t] ?? Number.NaN))}`,
      );
  });
}
