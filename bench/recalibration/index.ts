// What site recalibration adds to a site's evaluation of one global model (validation split, then the
// test split with each modality hidden in turn, as the daemon evaluates every round): plain, with the
// intercepts fitted in one pass of the encoders for every subset (what the product does), and with one
// pass per subset; and the test split's subsets scored from one encoder pass (evaluateSubsets, the product)
// against one pass per subset (as before session 12). Three sites of 600 patients with 32×32 images and 500 genes (as the simulator makes them),
// an untrained model of their size, wasm.
// Run: npx tsx --conditions=source bench/recalibration/index.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, loadSite, type SiteData } from '@fedfuse/data';
import {
  createModel,
  evaluateModalityRemoval,
  evaluateModel,
  initBackend,
  siteIntercepts,
  type Modality,
  type SiteIntercepts,
  type TriModalModel,
} from '@fedfuse/model';

const REPEATS = 5;

type Fit = (model: TriModalModel, site: SiteData) => SiteIntercepts | undefined;

const hidesOf = (model: TriModalModel): Modality[][] => [[], ...model.config.modalities.map((m) => [m])];

const fitOnce: Fit = (model, site) => siteIntercepts(model, site.train.batch, { hides: hidesOf(model) });

const fitPerSubset: Fit = (model, site) => {
  const each = hidesOf(model).map((hide) => ({
    hide,
    fit: siteIntercepts(model, site.train.batch, { hides: [hide] }),
  }));
  return {
    offsetsFor: (hide) => each.find((e) => e.hide.join() === [...hide].join())!.fit.offsetsFor(hide),
  };
};

/** How the test split's subsets are scored: one encoder pass for all, or one per subset. */
type Removal = 'shared' | 'per subset';

const WAYS: Record<string, { fit: Fit; removal: Removal }> = {
  plain: { fit: () => undefined, removal: 'shared' },
  'recalibrated, encoders once (the product)': { fit: fitOnce, removal: 'shared' },
  'recalibrated, test subsets scored one pass each (session 11)': { fit: fitOnce, removal: 'per subset' },
  'recalibrated, every subset one pass each (before session 11)': {
    fit: fitPerSubset,
    removal: 'per subset',
  },
};

function evaluateOnce(model: TriModalModel, site: SiteData, way: { fit: Fit; removal: Removal }): number {
  const started = performance.now();
  const intercepts = way.fit(model, site);
  const options = intercepts ? { intercepts } : {};
  evaluateModel(model, site.validation.batch, options);
  if (way.removal === 'shared') evaluateModalityRemoval(model, site.test.batch, options);
  else for (const hide of hidesOf(model)) evaluateModel(model, site.test.batch, { ...options, hide });
  return performance.now() - started;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

await initBackend({ backend: 'wasm', log: () => {} });
const dir = await mkdtemp(join(tmpdir(), 'fedfuse-bench-recalibration-'));
try {
  const federation = await generate({
    outDir: dir,
    seed: 1,
    patientsPerSite: 600,
    imageSize: 32,
    genes: 500,
    moduleSize: 50,
  });
  for (const generated of federation.sites) {
    const site = await loadSite({ config: generated.config });
    const model = createModel({
      ehrDim: site.ehrFeatureNames.length,
      genomicsDim: site.genes.length,
      imageShape: site.imageShape,
      tasks: site.tasks,
      seed: 1,
    });
    try {
      const times = new Map(Object.keys(WAYS).map((name) => [name, [] as number[]]));
      for (let r = 0; r < REPEATS; r++)
        for (const [name, way] of Object.entries(WAYS)) times.get(name)!.push(evaluateOnce(model, site, way));
      const plain = median(times.get('plain')!);
      const sizes = `train ${site.train.batch.n}, validation ${site.validation.batch.n}, test ${site.test.batch.n}`;
      console.log(`site ${site.site} (${sizes}), median of ${REPEATS}:`);
      for (const [name, values] of times)
        console.log(
          `  ${name}: ${median(values).toFixed(0)} ms (${(median(values) / plain).toFixed(2)}× plain)`,
        );
    } finally {
      model.dispose();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
