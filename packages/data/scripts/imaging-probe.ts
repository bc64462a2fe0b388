// Quick probe of imaging-encoder variants: FedAvg in-process over the sites of a federation generated as
// `fedfuse-sim run` generates it, on the images alone (other modalities hidden), with the simulator's
// training defaults; prints the pooled test AUC per task after each variant's last round.
// Usage: npx tsx --conditions=source packages/data/scripts/imaging-probe.ts [--family axial] [--seed 1]
//   [--rounds 10] [--variants flatten,std,std+gn,std+global,std+gn+global] [--patients 600]
//   [--pretrain 3 [--pretrain-kind contrast|recon] [--pretrain-noise 0.1]] [--harmonize] [--swa 3,5]
//   [--site-offset]  (also scores each site's patients with its own intercepts, fitted on train or validation;
//   logistic recalibration per site, slope too, was measured at e4010e0 and removed)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  rocAuc,
  createModel,
  evaluateModel,
  siteIntercepts,
  getWeights,
  initBackend,
  setWeights,
  pretrainImagingRound,
  trainLocalRound,
  type ModelConfig,
} from '@fedfuse/model';
import { concatBatches, selectRows, type ImageFamily, type ModelBatch } from '../src/index.ts';
import { harmonizeSiteImages, siteImageStats } from '../src/align/harmonize-images.ts';
import { simulatorFederation } from './sim-federation.ts';

const { values: args } = parseArgs({
  options: {
    family: { type: 'string', default: 'axial' },
    seed: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '10' },
    patients: { type: 'string', default: '600' },
    // Self-supervised rounds before the supervised ones, labels hidden: `recon` trains the encoder by
    // the imaging reconstruction (variant `recW`, its weight; off in the supervised rounds), `contrast`
    // by the contrastive views of pretrainImagingRound.
    pretrain: { type: 'string', default: '0' },
    'pretrain-kind': { type: 'string', default: 'contrast' },
    'pretrain-noise': { type: 'string', default: '0.1' },
    // Harmonise each site's images by its own training images' mean and SD (all splits, the same
    // numbers); an encoder without per-image standardisation then reads each patient's intensity.
    harmonize: { type: 'boolean', default: false },
    // Also score the mean of the last N rounds' global weights (Polyak / stochastic weight averaging),
    // for each N of a comma list.
    swa: { type: 'string', default: '' },
    // Also score with each site's own intercept per task (recalibration-in-the-large on its training split).
    'site-offset': { type: 'boolean', default: false },
    variants: { type: 'string', default: 'flatten,std,std+gn,std+global,std+gn+global' },
  },
});
const seed = Number(args.seed);

/**
 * A variant name such as `std+gn+global` as encoder options. Numeric tokens: `lin16` linear grid,
 * `x4` rate scale, `f8-16-32` conv filters, `dk10` imaging decay factor, `do0.3` feature dropout,
 * `rec0.5` reconstruction weight (`rg16` its grid), `l2e0.01` λ; `tex` texture energies, `hist`
 * intensity statistics, `lastgn` a GroupNorm after the last block too (the
 * default until session 13; earlier notes name its absence `nolastgn`). (Paths reading the
 * site-harmonised image, `sstat`, `schan`, `stex`, were measured at commit 7c00772; multi-scale
 * pooling and Laplacian texture energies at b23d017; texture energies standardised per site
 * (`sitetex`) at 869d448; 2×2 grid pooling (`grid2`) and training with the site intercepts fixed in the
 * loss at 6877bf1; all removed: docs/results.md, issue 12.)
 */
function variant(name: string): Partial<ModelConfig> {
  const parts = new Set(name.split('+'));
  const num = (prefix: string, fallback: number): number =>
    Number(
      [...parts]
        .find((p) => p.startsWith(prefix) && /^[\d.]/.test(p.slice(prefix.length)))
        ?.slice(prefix.length) ?? fallback,
    );
  const filters = [...parts].find((p) => /^f\d/.test(p));
  return {
    ...(filters ? { convFilters: filters.slice(1).split('-').map(Number) } : {}),
    imageDecayFactor: num('dk', 1),
    imageFeatureDropout: num('do', 0),
    imageReconWeight: num('rec', 0),
    imageReconGrid: num('rg', 8),
    imageTexture: parts.has('tex'),
    imageLastGroupNorm: parts.has('lastgn'),
    imageIntensityStats: parts.has('hist'),
    l2: num('l2e', 3e-3),
    imageStandardize: parts.has('std'),
    imageGroupNorm: parts.has('gn') ? 8 : 0,
    imagePooling: parts.has('global') ? 'global' : 'flatten',
    imageLinearGrid: Number([...parts].find((p) => p.startsWith('lin'))?.slice(3) ?? 0),
    imageRateScale: Number([...parts].find((p) => p.startsWith('x'))?.slice(1) ?? 1),
  };
}

async function imagingSplits(dir: string): Promise<{
  train: ModelBatch[];
  test: ModelBatch;
  tests: ModelBatch[];
  validation: ModelBatch[];
  tasks: string[];
}> {
  const { sites } = await simulatorFederation({
    dir,
    seed,
    family: args.family as ImageFamily,
    patientsPerSite: Number(args.patients),
  });
  const only = { require: ['imaging' as const], hide: ['ehr' as const, 'genomics' as const] };
  const train: ModelBatch[] = [];
  const test: ModelBatch[] = [];
  const validation: ModelBatch[] = [];
  let tasks: string[] = [];
  for (const site of sites) {
    tasks = site.tasks;
    if (args.harmonize) {
      const stats = siteImageStats(site.train.batch, site.imageShape);
      harmonizeSiteImages([site.train.batch, site.test.batch], stats, site.imageShape);
    }
    train.push(selectRows(site.train.batch, only).batch);
    test.push(selectRows(site.test.batch, only).batch);
    validation.push(selectRows(site.validation.batch, only).batch);
  }
  return { train, test: concatBatches(test), tests: test, validation, tasks };
}

function fedAvgRound(
  model: ReturnType<typeof createModel>,
  batches: ModelBatch[],
  round: { seed: number; contrast: boolean },
): void {
  const global = getWeights(model).weights;
  const sum = new Float32Array(global.length);
  let total = 0;
  batches.forEach((batch, k) => {
    setWeights(model, global);
    const options = { epochs: 2, batchSize: 32, learningRate: 1e-3, seed: round.seed + k };
    if (round.contrast)
      pretrainImagingRound(model, batch, {
        ...options,
        batchSize: 64,
        noise: Number(args['pretrain-noise']),
      });
    else trainLocalRound(model, batch, options);
    const local = getWeights(model).weights;
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (local[i] as number) * batch.n;
    total += batch.n;
  });
  setWeights(
    model,
    sum.map((v) => v / total),
  );
}

function federate(name: string, data: Awaited<ReturnType<typeof imagingSplits>>): string {
  const first = data.train[0] as ModelBatch;
  const model = createModel({
    ehrDim: first.ehr.length / first.n,
    genomicsDim: first.genomics.length / first.n,
    imageShape: [32, 32, 1],
    tasks: data.tasks,
    seed,
    ...variant(name),
  });
  const started = performance.now();
  const pretrain = Number(args.pretrain);
  const unlabelled = data.train.map((batch) => ({ ...batch, labels: batch.labels.map(() => Number.NaN) }));
  // Probe only: the reconstruction weight is switched off for the supervised rounds.
  const config = model.config as { imageReconWeight: number };
  const reconWeight = config.imageReconWeight;
  const rounds = pretrain + Number(args.rounds);
  const spans = args.swa === '' ? [] : args.swa.split(',').map(Number);
  const size = getWeights(model).weights.length;
  const averaged = spans.map(() => new Float64Array(size));
  try {
    for (let round = 1; round <= rounds; round++) {
      const selfSupervised = round <= pretrain;
      config.imageReconWeight = selfSupervised ? reconWeight : pretrain > 0 ? 0 : reconWeight;
      const contrast = selfSupervised && args['pretrain-kind'] === 'contrast';
      fedAvgRound(model, selfSupervised ? unlabelled : data.train, {
        seed: seed * 1000 + round * 10,
        contrast,
      });
      const weights = getWeights(model).weights;
      spans.forEach((span, k) => {
        const sum = averaged[k] as Float64Array;
        if (round > rounds - span) weights.forEach((w, i) => (sum[i] = (sum[i] as number) + w / span));
      });
    }
    const score = () => {
      const evaluation = evaluateModel(model, data.test);
      return data.tasks.map((t) => (evaluation.tasks[t]?.auc ?? Number.NaN).toFixed(3)).join(' / ');
    };
    const last = score();
    // Each site's test patients scored with its own intercepts, fitted on its `fitOn` batch, then pooled.
    const recalibratedAuc = (fitOn: ModelBatch[]) => {
      const T = data.tasks.length;
      const scored = data.tests.map((test, k) => ({
        test,
        predictions: evaluateModel(model, test, {
          intercepts: siteIntercepts(model, fitOn[k] as ModelBatch, { hides: [[]] }),
        }).predictions,
      }));
      const column = (t: number, pick: (s: (typeof scored)[number], at: number) => number) =>
        scored.flatMap((s) => Array.from({ length: s.test.n }, (_, i) => pick(s, i * T + t)));
      return data.tasks
        .map((_, t) =>
          rocAuc(
            column(t, (s, at) => s.predictions[at] as number),
            column(t, (s, at) => s.test.labels[at] as number),
          ).toFixed(3),
        )
        .join(' / ');
    };
    if (args['site-offset']) {
      const time = ((performance.now() - started) / 1000).toFixed(0);
      return `${name}: ${last}; site intercepts fitted on train ${recalibratedAuc(data.train)}, on validation ${recalibratedAuc(data.validation)} (${time} s)`;
    }
    let polyak = '';
    spans.forEach((span, k) => {
      setWeights(model, Float32Array.from(averaged[k] as Float64Array));
      polyak += `; mean of the last ${span} rounds ${score()}`;
    });
    return `${name}: ${last}${polyak} (${((performance.now() - started) / 1000).toFixed(0)} s)`;
  } finally {
    model.dispose();
  }
}

await initBackend({ backend: 'wasm', log: () => {} });
const dir = await mkdtemp(join(tmpdir(), 'fedfuse-imaging-probe-'));
try {
  const data = await imagingSplits(dir);
  console.log(`seed ${seed}, family ${args.family}, imaging-only AUC ${data.tasks.join(' / ')}`);
  for (const name of args.variants.split(',')) console.log(federate(name, data));
} finally {
  await rm(dir, { recursive: true, force: true });
}
