// Central (pooled) training of the tri-modal model on a generated federation: hybrid fusion
// against single-modality models and modality-removal ablations, on the pooled test split.
// Usage: npx tsx packages/data/scripts/central-train.ts [--patients 300] [--epochs 20] [--seed 1] [--keep-prob 0.8]
//   [--genes 2000] [--align-weight MU] [--l2 LAMBDA] (model defaults unless given)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createModel, evaluateModel, initBackend, trainLocalRound } from '@fedfuse/model';
import type { Fusion } from '@fedfuse/model';
import {
  MODALITIES,
  applyFeatureStats,
  concatBatches,
  generate,
  loadSite,
  mergeFeatureStats,
  selectRows,
  type Modality,
  type ModelBatch,
  type SiteData,
} from '../src/index.ts';

const { values: args } = parseArgs({
  options: {
    patients: { type: 'string', default: '300' },
    sites: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    'batch-size': { type: 'string', default: '32' },
    'learning-rate': { type: 'string', default: '0.001' },
    fusion: { type: 'string', default: 'hybrid' },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '1' },
    'keep-prob': { type: 'string', default: '0.8' },
    genes: { type: 'string' },
    'align-weight': { type: 'string' },
    l2: { type: 'string' },
    'genomics-noise': { type: 'string' },
    'genomics-decay': { type: 'string' },
    'aux-weight': { type: 'string' },
  },
});
const seed = Number(args.seed);
const train = {
  epochs: Number(args.epochs),
  batchSize: Number(args['batch-size']),
  learningRate: Number(args['learning-rate']),
  seed,
};

/** Generates the federation, loads every site and normalizes them with pooled statistics. */
async function loadFederation(dir: string): Promise<SiteData[]> {
  const fed = await generate({
    outDir: dir,
    seed,
    sites: Number(args.sites),
    patientsPerSite: Number(args.patients),
    ...(args.genes ? { genes: Number(args.genes) } : {}),
  });
  const sites: SiteData[] = [];
  for (const s of fed.sites) sites.push(await loadSite({ config: s.config }));
  const pooled = mergeFeatureStats(sites.map((s) => s.localStats));
  for (const site of sites) applyFeatureStats(site, pooled);
  return sites;
}

type Scores = Record<string, number>;

function trainAndScore(options: {
  site: SiteData;
  fusion: Fusion;
  trainBatch: ModelBatch;
  evaluations: { batch: ModelBatch; hide?: Modality }[];
  modalityKeepProb: number;
}): { scores: Scores[]; seconds: number } {
  const { site } = options;
  const model = createModel({
    ehrDim: site.ehrFeatureNames.length,
    genomicsDim: site.genes.length,
    imageShape: site.imageShape,
    tasks: site.tasks,
    fusion: options.fusion,
    seed,
    ...(args['align-weight'] ? { alignWeight: Number(args['align-weight']) } : {}),
    ...(args.l2 ? { l2: Number(args.l2) } : {}),
    ...(args['genomics-noise'] ? { genomicsNoise: Number(args['genomics-noise']) } : {}),
    ...(args['genomics-decay'] ? { genomicsDecayFactor: Number(args['genomics-decay']) } : {}),
    ...(args['aux-weight'] ? { auxWeight: Number(args['aux-weight']) } : {}),
  });
  try {
    const result = trainLocalRound(model, options.trainBatch, {
      ...train,
      modalityKeepProb: options.modalityKeepProb,
    });
    const scores = options.evaluations.map(({ batch, hide }) => {
      const evaluation = evaluateModel(model, batch, hide ? { hide } : {});
      return Object.fromEntries(site.tasks.map((t) => [t, evaluation.tasks[t]?.auc ?? Number.NaN]));
    });
    return { scores, seconds: result.seconds };
  } finally {
    model.dispose();
  }
}

function row(label: string, scores: Scores, tasks: string[]): string {
  return `| ${label} | ${tasks.map((t) => (scores[t] ?? Number.NaN).toFixed(3)).join(' | ')} |`;
}

function printTable(o: {
  title: string;
  tasks: string[];
  fusion: Fusion;
  full: Scores;
  removed: Scores[];
  singles: { m: Modality; scores: Scores }[];
}): void {
  const { tasks, fusion, full } = o;
  const lines = [
    `| ${o.title} | ${tasks.join(' | ')} |`,
    `|---|${tasks.map(() => '---').join('|')}|`,
    row(`${fusion} fusion, all three`, full, tasks),
    ...MODALITIES.map((m, i) => row(`${fusion} fusion, ${m} removed`, o.removed[i] ?? {}, tasks)),
    ...o.singles.map((s) => row(`${s.m} alone (trained and evaluated alone)`, s.scores, tasks)),
  ];
  console.log(`\n${lines.join('\n')}`);
  for (const task of tasks) {
    const costs = MODALITIES.map((m, i) => ({ m, cost: (full[task] ?? 0) - (o.removed[i]?.[task] ?? 0) }));
    const worst = costs.reduce((a, b) => (b.cost > a.cost ? b : a));
    const best = o.singles.reduce((a, b) => ((b.scores[task] ?? 0) > (a.scores[task] ?? 0) ? b : a));
    const margin = (full[task] ?? 0) - (best.scores[task] ?? 0);
    console.log(
      `${task}: removing ${worst.m} costs most (${costs.map((c) => `${c.m} ${c.cost.toFixed(3)}`).join(', ')}); ` +
        `${fusion} minus best single (${best.m}) = ${margin.toFixed(3)}`,
    );
  }
}

/** Trains the fused model and one model per modality, and prints both comparison tables. */
function compare(sites: SiteData[]): void {
  const site = sites[0] as SiteData;
  const trainBatch = concatBatches(sites.map((s) => s.train.batch));
  const testBatch = concatBatches(sites.map((s) => s.test.batch));
  const complete = selectRows(testBatch, { require: MODALITIES }).batch;
  console.log(
    `${sites.length} sites, ${trainBatch.n} train patients pooled, ${testBatch.n} test (${complete.n} with all three)`,
  );
  console.log(
    `training: ${JSON.stringify(train)}; model: ${JSON.stringify({ alignWeight: args['align-weight'], l2: args.l2, genes: args.genes, genomicsNoise: args['genomics-noise'], genomicsDecayFactor: args['genomics-decay'], auxWeight: args['aux-weight'] })}\n`,
  );
  const fusion = args.fusion as Fusion;
  const populations = [
    { name: `pooled test split, every patient (n = ${testBatch.n})`, batch: testBatch },
    { name: `test patients with all three modalities (n = ${complete.n})`, batch: complete },
  ];
  const fused = trainAndScore({
    site,
    fusion,
    trainBatch,
    modalityKeepProb: Number(args['keep-prob']),
    evaluations: populations.flatMap(({ batch }) => [
      { batch },
      ...MODALITIES.map((hide) => ({ batch, hide })),
    ]),
  });
  console.log(`${fusion}: ${fused.seconds.toFixed(0)} s`);
  const singles = MODALITIES.map((m) => {
    const others = MODALITIES.filter((o) => o !== m);
    const only = selectRows(trainBatch, { require: [m], hide: others }).batch;
    const evaluations = populations.map(({ batch }) => ({
      batch: selectRows(batch, { hide: others }).batch,
    }));
    const result = trainAndScore({ site, fusion, trainBatch: only, modalityKeepProb: 1, evaluations });
    console.log(`${m} only (${only.n} train patients): ${result.seconds.toFixed(0)} s`);
    return { m, scores: result.scores };
  });
  populations.forEach((population, p) => {
    const [full = {}, ...removed] = fused.scores.slice(p * 4, p * 4 + 4);
    const perModality = singles.map((x) => ({ m: x.m, scores: x.scores[p] ?? {} }));
    printTable({ title: population.name, tasks: site.tasks, fusion, full, removed, singles: perModality });
  });
}

async function main(): Promise<void> {
  await initBackend({ backend: args.backend as 'wasm', wasmThreads: Number(args.threads) });
  const dir = await mkdtemp(join(tmpdir(), 'fedfuse-central-'));
  try {
    compare(await loadFederation(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
