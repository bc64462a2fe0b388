import { parseArgs } from 'node:util';
import { runExperiment } from './experiment.ts';
import { progressLog } from './log/progress-log.ts';
import { PAPER_RUNS } from './experiment-plan.ts';

export const EXPERIMENT_HELP = `fedfuse-sim experiment --preset paper --out DIR [options]

The seed paper's study, federated: fusion comparison (Table 1), modality removal (Table 2), attention and
Shapley values per task, and beyond the paper federated vs centralized vs local-only training, IID vs
non-IID sites, FedAvg vs FedProx vs FedAdam. Writes DIR/results.md, DIR/results.json, DIR/report.html and
each run's own report under DIR/runs/.

  --preset paper      the study (the only preset)
  --out DIR           output folder (required)
  --seed S            seed of data, models and runs (1)
  --only a,b          only these runs: ${PAPER_RUNS.map((r) => r.name).join(', ')}
  --rounds R, --epochs E, --patients-per-site P, --image-size PX, --genes G, --missing SCALE,
  --learning-rate LR, --weight-decay L2, --align-weight MU, --genomics-noise S, --genomics-decay F
                      override the run defaults for every run (see fedfuse-sim run --help)
`;

/** `fedfuse-sim experiment`. */
export async function runExperimentCommand(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      only: { type: 'string' },
      rounds: { type: 'string' },
      epochs: { type: 'string' },
      'patients-per-site': { type: 'string' },
      'image-size': { type: 'string' },
      genes: { type: 'string' },
      missing: { type: 'string' },
      'learning-rate': { type: 'string' },
      'weight-decay': { type: 'string' },
      'align-weight': { type: 'string' },
      'genomics-noise': { type: 'string' },
      'genomics-decay': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) {
    process.stdout.write(EXPERIMENT_HELP);
    return 0;
  }
  if (v.preset !== 'paper' || !v.out) {
    process.stderr.write(
      `fedfuse-sim experiment: --preset paper and --out DIR are required\n\n${EXPERIMENT_HELP}`,
    );
    return 2;
  }
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const log = progressLog();
  // The tables and the results' paths are the command's result, for people: plain text, not log lines.
  const print = (text: string) => process.stdout.write(`${text}\n`);
  const result = await runExperiment({
    out: v.out,
    base: {
      seed: number(v.seed),
      rounds: number(v.rounds),
      epochs: number(v.epochs),
      patientsPerSite: number(v['patients-per-site']),
      imageSize: number(v['image-size']),
      genes: number(v.genes),
      missingScale: number(v.missing),
      learningRate: number(v['learning-rate']),
      weightDecay: number(v['weight-decay']),
      alignWeight: number(v['align-weight']),
      genomicsNoise: number(v['genomics-noise']),
      genomicsDecay: number(v['genomics-decay']),
    },
    only: v.only?.split(',').map((s) => s.trim()),
    command: `fedfuse-sim experiment ${argv.join(' ')}`,
    log,
  });
  print(`\n${result.markdown}`);
  print(`results: ${result.resultsMd}\n         ${result.resultsJson}\n         ${result.reportHtml}`);
  return result.report.failed.length > 0 ? 1 : 0;
}
