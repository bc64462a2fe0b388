// Where along a trained model's imaging path a cue is lost. For a finished `fedfuse-sim run`'s selected
// model, a logistic regression (centrally, on every site's training patients with an image; columns
// standardised; the hospital one-hot beside, as the yardstick can read it) is fitted on two points of the
// path — the features the encoder's projection reads, and the embedding the fused heads read — and scored
// on the test patients with an image: the best a linear readout of each could do. Compare with the model's
// own imaging-only AUC from like-for-like.ts: features > embedding says the projection loses the cue,
// embedding > the model says the fused heads' reading of imaging alone does.
// Usage: npx -y pnpm@12.4.2 exec tsx --conditions=source packages/data/scripts/imaging-path-probe.ts OUT_DIR...
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { imagingRepresentations, initBackend, rocAuc, type RowMatrix } from '@fedfuse/model';
import { fitLogistic, loadSite, predictLogits, selectRows, type Design } from '../src/index.ts';
import { standardizeColumns } from '../src/eval/feature-sets.ts';
import { selectedModel } from './selected-model.ts';

const RIDGES = [0.1, 1];
type Point = 'features' | 'embedding';

/** Each row of `m` with the one-hot of its site appended. */
function withSite(m: RowMatrix, o: { site: number; sites: number }): number[][] {
  return Array.from({ length: m.values.length / m.width }, (_, r) => [
    ...m.values.subarray(r * m.width, (r + 1) * m.width),
    ...Array.from({ length: o.sites }, (_, k) => (k === o.site ? 1 : 0)),
  ]);
}

const toDesign = (rows: number[][]): Design => ({
  x: Float32Array.from(rows.flat()),
  n: rows.length,
  d: rows[0]?.length ?? 0,
});

/** Pooled test AUC per task of an LR fitted on the training rows. */
function aucs(o: {
  train: number[][];
  test: number[][];
  y: { train: number[]; test: number[] };
  tasks: number;
  l2: number;
}) {
  const train = toDesign(o.train);
  const test = toDesign(o.test);
  standardizeColumns([train, test]);
  const logits = predictLogits(
    fitLogistic(train, { y: Float32Array.from(o.y.train), tasks: o.tasks, l2: o.l2, steps: 300 }),
    test,
  );
  return Array.from({ length: o.tasks }, (_, t) => {
    const rows = Array.from({ length: test.n }, (_, i) => i).filter((i) =>
      [0, 1].includes(o.y.test[i * o.tasks + t]!),
    );
    return rocAuc(
      rows.map((i) => logits[i * o.tasks + t]!),
      rows.map((i) => o.y.test[i * o.tasks + t]!),
    );
  });
}

await initBackend({ backend: 'wasm' });
for (const out of process.argv.slice(2)) {
  const { model, round } = selectedModel(out);
  const tasks = model.config.tasks.length;
  const dirs = readdirSync(join(out, 'sites')).filter((d) => d.startsWith('site-'));
  const rows = { features: { train: [], test: [] }, embedding: { train: [], test: [] } } as Record<
    Point,
    Record<'train' | 'test', number[][]>
  >;
  const y = { train: [] as number[], test: [] as number[] };
  for (const [site, dir] of dirs.entries()) {
    const data = await loadSite({ config: join(out, 'sites', dir, 'site.yaml') });
    for (const split of ['train', 'test'] as const) {
      const { batch } = selectRows(data[split].batch, { require: ['imaging'] });
      const path = imagingRepresentations(model, batch);
      for (const point of ['features', 'embedding'] as const)
        rows[point][split].push(...withSite(path[point], { site, sites: dirs.length }));
      y[split].push(...batch.labels);
    }
  }
  const fmt = (v: number[]) => v.map((a) => a.toFixed(3)).join(' / ');
  const parts = (['features', 'embedding'] as const).flatMap((point) =>
    RIDGES.map((l2) => `${point} ridge ${l2} ${fmt(aucs({ ...rows[point], y, tasks, l2 }))}`),
  );
  console.log(`${out} (round ${round}), LR + hospital on imaging patients: ${parts.join('; ')}`);
  model.dispose();
}
