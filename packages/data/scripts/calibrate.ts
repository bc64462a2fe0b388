// Logistic-regression calibration table of the synthetic data: test AUC per task of each
// modality alone and of all three, averaged over several generator seeds.
// Usage: npx tsx packages/data/scripts/calibrate.ts [--patients 1200] [--seeds 2,4,5,6] [--variant redundant]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  calibrate,
  generate,
  loadSite,
  type CalibrationRow,
  type FeatureSet,
  type GenerateOptions,
  type SiteData,
} from '../src/index.ts';

const { values: args } = parseArgs({
  options: {
    patients: { type: 'string', default: '1200' },
    seeds: { type: 'string', default: '2,4,5,6' },
    variant: { type: 'string', default: 'complementary' },
    noise: { type: 'string' },
  },
});

async function runSeed(seed: number): Promise<CalibrationRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'fedfuse-calibrate-'));
  try {
    const options: GenerateOptions = {
      outDir: dir,
      seed,
      patientsPerSite: Number(args.patients),
      variant: args.variant === 'redundant' ? 'redundant' : 'complementary',
      ...(args.noise ? { noiseModality: args.noise as 'ehr' | 'imaging' | 'genomics' } : {}),
    };
    const fed = await generate(options);
    const sites: SiteData[] = [];
    for (const s of fed.sites) sites.push(await loadSite({ config: s.config }));
    return calibrate({ sites });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const seeds = args.seeds.split(',').map(Number);
const runs: CalibrationRow[][] = [];
for (const seed of seeds) {
  runs.push(await runSeed(seed));
  console.error(`seed ${seed} done`);
}
const tasks = Object.keys(runs[0]?.[0]?.auc ?? {});
const cell = (values: number[]): string => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.length > 1
    ? `${mean.toFixed(3)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`
    : mean.toFixed(3);
};
console.log(
  `${seeds.length} seeds (${seeds.join(', ')}), 3 sites × ${args.patients} patients, ${args.variant}${args.noise ? `, ${args.noise} pure noise` : ''}`,
);
for (const kind of ['auc', 'siteAuc'] as const) {
  console.log(
    `\n| ${kind === 'auc' ? 'pooled test AUC' : 'mean within-site test AUC'} | ${tasks.join(' | ')} |`,
  );
  console.log(`|---|${tasks.map(() => '---').join('|')}|`);
  for (const set of ['ehr', 'imaging', 'genomics', 'all'] as FeatureSet[]) {
    const rows = runs.map((r) => r.find((x) => x.set === set));
    console.log(
      `| ${set === 'all' ? 'all three' : `${set} alone`} | ${tasks.map((t) => cell(rows.map((r) => r?.[kind][t] ?? Number.NaN))).join(' | ')} |`,
    );
  }
}
