// Scores a finished `fedfuse-sim run`'s selected model on the patients the logistic-regression
// yardsticks of image-baselines.ts are scored on, so the two compare like for like: the imaging-only
// AUC on the test patients who have an image (the report's `subsets.imaging` also counts those without
// one, at their site's constant score), and the fused AUC on the complete cases (every modality), as
// `calibrate`'s LR on all modalities is. Each site's intercepts are fitted as its daemon fits them.
// Usage: npx -y pnpm@12.4.2 exec tsx --conditions=source packages/data/scripts/like-for-like.ts OUT_DIR...
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  evaluateModel,
  initBackend,
  recalibrationRows,
  siteIntercepts,
  type Modality,
  type TriModalModel,
} from '@fedfuse/model';
import { concatBatches, loadSite, selectRows, type ModelBatch } from '../src/index.ts';
import { selectedModel } from './selected-model.ts';

/** Per task, the pooled AUC of `show` alone on each site's test patients who have every one of `show`. */
async function pooledAuc(model: TriModalModel, out: string, show: Modality[]): Promise<number[]> {
  const hide = model.config.modalities.filter((m) => !show.includes(m));
  const tests: ModelBatch[] = [];
  const offsets: number[] = [];
  for (const dir of readdirSync(join(out, 'sites')).filter((d) => d.startsWith('site-'))) {
    const site = await loadSite({ config: join(out, 'sites', dir, 'site.yaml') });
    const calibrateOn = selectRows(site.train.batch, { rows: recalibrationRows(site.train.batch.n) }).batch;
    const own = siteIntercepts(model, calibrateOn, { hides: [hide] }).offsetsFor(hide);
    const { batch } = selectRows(site.test.batch, { require: show });
    tests.push(batch);
    for (let r = 0; r < batch.n; r++) offsets.push(...own);
  }
  const evaluation = evaluateModel(model, concatBatches(tests), { hide, logitOffsets: offsets });
  return model.config.tasks.map((task) => evaluation.tasks[task]!.auc);
}

await initBackend({ backend: 'wasm' });
const fmt = (values: number[]) => values.map((v) => v.toFixed(3)).join(' / ');
for (const out of process.argv.slice(2)) {
  const { model, round } = selectedModel(out);
  const imaging = await pooledAuc(model, out, ['imaging']);
  const fused = await pooledAuc(model, out, [...model.config.modalities]);
  console.log(
    `${out} (round ${round}): imaging only, imaging patients ${fmt(imaging)}; fused, complete cases ${fmt(fused)}`,
  );
  model.dispose();
}
