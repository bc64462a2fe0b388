import { parseArgs } from 'node:util';
import { FUSIONS, STRATEGIES } from '@fedfuse/protocol';
import { progressLog } from './log/progress-log.ts';
import { DEFAULTS, resolveSimulationOptions } from './options.ts';
import { FINAL_HEADERS, finalTableRows, modelLine } from './report-html.ts';
import type { SimulationReport } from './report-schema.ts';
import { runSimulation } from './simulation.ts';
import { bytes, markdownTable, num } from './tables.ts';

export const RUN_HELP = `fedfuse-sim run --out DIR [options]

Generates a synthetic federation, starts the real coordinator and one real site daemon per site on
127.0.0.1, trains, and writes DIR/report.json and DIR/report.html.

  --out DIR               output folder (required): sites/, coordinator/, clients/, logs/, report.*
  --sites N               hospitals (${DEFAULTS.sites})
  --rounds R              federated rounds (${DEFAULTS.rounds})
  --seed S                seed of the data, the model and the run (${DEFAULTS.seed})
  --fusion F              ${FUSIONS.join(' | ')} (${DEFAULTS.fusion})
  --strategy S            ${STRATEGIES.join(' | ')} (${DEFAULTS.strategy})
  --patients-per-site P   average patients per site (${DEFAULTS.patientsPerSite})
  --non-iid ALPHA         Dirichlet concentration of each site's label mix; small = strong skew (${DEFAULTS.labelSkew})
  --iid                   identically distributed sites (same label mix, size, missingness, scanner)
  --epochs E              local epochs per round (${DEFAULTS.epochs})
  --batch-size B          local mini-batch size (${DEFAULTS.batchSize})
  --learning-rate LR      local Adam learning rate (${DEFAULTS.learningRate})
  --keep-prob P           modality dropout: probability of keeping each modality (${DEFAULTS.modalityKeepProb})
  --proximal-mu MU        FedProx μ (0.01 with --strategy fedprox, else 0)
  --server-lr ETA         server learning rate of fedadam/fedyogi/fedadagrad/fedavgm (0.01 for the first three)
  --image-size PX         image side, a multiple of 8 (${DEFAULTS.imageSize})
  --image-family F        chest | axial: what the images show; axial is the untuned check (${DEFAULTS.imageFamily})
  --genes G               genes in the expression panel, at least 500 (${DEFAULTS.genes})
  --missing SCALE         factor on the generator's missing-modality rates; 1 = EHR 0–8 %, imaging 15–40 %,
                          genomics 20–45 % per site (${DEFAULTS.missingScale})
  --weight-decay L2       the model's L2 penalty λ (${DEFAULTS.weightDecay})
  --align-weight MU       μ of the model's cross-modal alignment loss (${DEFAULTS.alignWeight})
  --genomics-noise S      std of the genomics encoder's training input noise (${DEFAULTS.genomicsNoise})
  --genomics-decay F      factor on the L2 penalty for the genomics branch (${DEFAULTS.genomicsDecay})
  --concurrency C         site daemons started at once (the number of cores)
  --poison-site N         simulate an attacker: site N's daemon poisons every update it sends (with --poison)
  --poison KIND           scaled (the honest delta × 1e3) | random (N(0, 1) noise instead of training)
  --update-norm-bound B   adaptive | off: the run's adaptive norm bound (the coordinator's default: adaptive)
  --dashboard             serve the operator dashboard; print its URL and the operator token, and keep
                          serving it after the run until Ctrl-C
`;

function number(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** The final table and the cost, as printed at the end of a run. */
export function summarize(report: SimulationReport): string {
  const t = report.timings;
  return [
    `${modelLine(report)} on the pooled test splits of all ${report.config.sites} sites (${report.final.numExamples} patients):`,
    markdownTable(FINAL_HEADERS, finalTableRows(report)),
    `mean AUC ${num(report.final.meanAuc)}`,
    `time ${num(t.totalSeconds, 1)} s (setup ${num(t.setupSeconds, 1)} s, training ${num(t.trainingSeconds, 1)} s, round overhead ${num(t.roundOverheadSeconds, 1)} s); peak memory of coordinator + ${report.config.sites} sites ${bytes(report.peakMemoryBytes)}`,
  ].join('\n');
}

/** `fedfuse-sim run`. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      sites: { type: 'string' },
      rounds: { type: 'string' },
      seed: { type: 'string' },
      fusion: { type: 'string' },
      strategy: { type: 'string' },
      'patients-per-site': { type: 'string' },
      'non-iid': { type: 'string' },
      iid: { type: 'boolean' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      'learning-rate': { type: 'string' },
      'keep-prob': { type: 'string' },
      'proximal-mu': { type: 'string' },
      'server-lr': { type: 'string' },
      'image-size': { type: 'string' },
      'image-family': { type: 'string' },
      genes: { type: 'string' },
      missing: { type: 'string' },
      'weight-decay': { type: 'string' },
      'align-weight': { type: 'string' },
      'genomics-noise': { type: 'string' },
      'genomics-decay': { type: 'string' },
      concurrency: { type: 'string' },
      dashboard: { type: 'boolean' },
      'poison-site': { type: 'string' },
      poison: { type: 'string' },
      'update-norm-bound': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  if (!v.out) {
    process.stderr.write(`fedfuse-sim run: --out DIR is required\n\n${RUN_HELP}`);
    return 2;
  }
  const options = resolveSimulationOptions({
    out: v.out,
    sites: number(v.sites),
    rounds: number(v.rounds),
    seed: number(v.seed),
    fusion: v.fusion as never,
    strategy: v.strategy as never,
    patientsPerSite: number(v['patients-per-site']),
    labelSkew: number(v['non-iid']),
    iid: v.iid,
    epochs: number(v.epochs),
    batchSize: number(v['batch-size']),
    learningRate: number(v['learning-rate']),
    modalityKeepProb: number(v['keep-prob']),
    proximalMu: number(v['proximal-mu']),
    serverLearningRate: number(v['server-lr']),
    imageSize: number(v['image-size']),
    imageFamily: v['image-family'] as never,
    genes: number(v.genes),
    missingScale: number(v.missing),
    weightDecay: number(v['weight-decay']),
    alignWeight: number(v['align-weight']),
    genomicsNoise: number(v['genomics-noise']),
    genomicsDecay: number(v['genomics-decay']),
    concurrency: number(v.concurrency),
    dashboard: v.dashboard,
    poisonSite: number(v['poison-site']),
    poison: v.poison as never,
    updateNormBound: v['update-norm-bound'] as never,
  });
  const log = progressLog();
  // The summary and the report's paths are the command's result, for people: plain text, not log lines.
  const print = (text: string) => process.stdout.write(`${text}\n`);
  const linger = options.dashboard ? untilInterrupted() : undefined;
  const result = await runSimulation(options, {
    log,
    lingerUntil: linger?.promise,
    onDashboard: ({ url, operatorToken }) =>
      log(`dashboard: ${url}/  (sign in with the operator token ${operatorToken})`),
    onFinished: (report) => {
      print(`\n${summarize(report)}`);
      if (linger) log('The dashboard stays up; press Ctrl-C to stop the coordinator.');
    },
  });
  print(`\nreport: ${result.reportHtml}\n        ${result.reportJson}`);
  return 0;
}

/** A promise resolved by the first Ctrl-C (or SIGTERM). */
function untilInterrupted(): { promise: Promise<void> } {
  return {
    promise: new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
  };
}
