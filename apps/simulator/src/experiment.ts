import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratedFederation } from '@fedfuse/data';
import { initBackend } from '@fedfuse/model';
import { trainCentralized, trainLocalOnly, type BaselineOptions } from './baselines.ts';
import { ExperimentReport, type RunSummary } from './experiment-schema.ts';
import { PAPER_RUNS, PRIVACY_RUNS, STRONG_SKEW, type PlannedRun } from './experiment-plan.ts';
import { renderExperimentHtml } from './experiment-html.ts';
import { experimentMarkdown } from './experiment-tables.ts';
import { finite, type FinalEvaluation } from './final-evaluation.ts';
import { generateFederation, loadFederation, type LoadedFederation } from './federation.ts';
import { resolveSimulationOptions, type SimulationInput, type SimulationOptions } from './options.ts';
import { prepareOutDir } from './out-dir.ts';
import { privacyMarkdown } from './privacy-tables.ts';
import type { SimulationReport } from './report-schema.ts';
import { runSimulation } from './simulation.ts';

/** What to run: the preset's runs on top of `base` (the `run` defaults unless overridden). */
export interface ExperimentOptions {
  /** `paper` (the seed paper's study) or `privacy` (DP-FedAvg's privacy–utility table). */
  preset: ExperimentPreset;
  out: string;
  base: Partial<SimulationInput>;
  /** Only these runs (by name); the baselines run when `hybrid` does. */
  only?: string[];
  /** The command line, recorded in the results. */
  command: string;
  log: (line: string) => void;
}

/** Paths of what an experiment writes. */
export interface ExperimentResult {
  report: ExperimentReport;
  markdown: string;
  resultsJson: string;
  resultsMd: string;
  reportHtml: string;
}

type DataKey = PlannedRun['data'];

/** The studies `fedfuse-sim experiment --preset` runs. */
export const EXPERIMENT_PRESETS = ['paper', 'privacy'] as const;
export type ExperimentPreset = (typeof EXPERIMENT_PRESETS)[number];

function summarize(name: string, report: SimulationReport): RunSummary {
  return {
    name,
    config: report.config,
    report: `runs/${name}/report.html`,
    final: { meanAuc: report.final.meanAuc, tasks: report.final.tasks },
    rounds: report.rounds.map((r) => ({
      number: r.number,
      tasks: Object.fromEntries(Object.entries(r.tasks).map(([t, m]) => [t, m.auc])),
    })),
    seconds: report.timings.totalSeconds,
    peakMemoryBytes: report.peakMemoryBytes,
    privacy: report.privacy,
  };
}

function scores(evaluation: FinalEvaluation) {
  return Object.fromEntries(
    Object.entries(evaluation.tasks).map(([t, m]) => [
      t,
      { auc: m.auc, f1: m.f1, precision: m.precision, recall: m.recall, accuracy: m.accuracy },
    ]),
  );
}

/** The sites of each federation the runs need, generated once and shared by the runs on them. */
class Federations {
  private readonly generated = new Map<
    DataKey,
    { federation: GeneratedFederation; loaded: LoadedFederation }
  >();

  constructor(
    private readonly out: string,
    private readonly base: SimulationOptions,
  ) {}

  async get(key: DataKey, log: (line: string) => void) {
    const known = this.generated.get(key);
    if (known) return known;
    const outDir = join(this.out, 'data', key);
    log(`generating the ${key} federation in ${outDir}`);
    const federation = await generateFederation({
      ...this.base,
      outDir,
      iid: key === 'iid',
      labelSkew: key === 'skewed' ? STRONG_SKEW : this.base.labelSkew,
    });
    const loaded = await loadFederation(federation, { keepTrain: key === 'default' });
    const entry = { federation, loaded };
    this.generated.set(key, entry);
    return entry;
  }
}

function baselineOptions(base: SimulationOptions): BaselineOptions {
  return {
    fusion: base.fusion,
    seed: base.seed,
    epochs: base.rounds * base.epochs,
    batchSize: base.batchSize,
    learningRate: base.learningRate,
    modalityKeepProb: base.modalityKeepProb,
    weightDecay: base.weightDecay,
    alignWeight: base.alignWeight,
    genomicsNoise: base.genomicsNoise,
    genomicsDecay: base.genomicsDecay,
  };
}

function runBaselines(loaded: LoadedFederation, base: SimulationOptions, log: (line: string) => void) {
  const options = baselineOptions(base);
  log(`centralized: the pooled train splits, ${options.epochs} epochs in this process`);
  const central = trainCentralized(loaded, options);
  log(`  mean AUC ${central.evaluation.meanAuc?.toFixed(3) ?? '—'} in ${central.seconds.toFixed(0)} s`);
  log(`local-only: each site alone, ${options.epochs} epochs`);
  const started = performance.now();
  const sites = trainLocalOnly(loaded, options);
  const tasks = loaded.tasks;
  const mean = (task: string) => {
    const values = sites.flatMap((s) =>
      s.pooled[task] === null || s.pooled[task] === undefined ? [] : [s.pooled[task]],
    );
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
  };
  const pooledTasks = Object.fromEntries(
    tasks.map((t) => [t, { auc: mean(t), f1: null, precision: null, recall: null, accuracy: null }]),
  );
  const aucs = tasks.map(mean).filter((v): v is number => v !== null);
  return {
    centralized: {
      tasks: scores(central.evaluation),
      meanAuc: central.evaluation.meanAuc,
      seconds: central.seconds,
    },
    localOnly: {
      pooled: {
        tasks: pooledTasks,
        meanAuc: finite(aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : undefined),
        seconds: (performance.now() - started) / 1000,
      },
      sites: sites.map((s) => ({ site: s.site, pooled: s.pooled, own: s.own })),
    },
  };
}

/**
 * `fedfuse-sim experiment --preset paper|privacy`: every planned federated run (real coordinator and daemons,
 * as `run` does), then the centralized and local-only baselines on the default federation, then the
 * tables (markdown and JSON) and an HTML report with the figures.
 */
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  const { log } = options;
  const started = performance.now();
  prepareOutDir(options.out);
  const base = resolveSimulationOptions({ ...options.base, out: options.out });
  const federations = new Federations(options.out, base);
  const paper = options.preset === 'paper';
  const planned = (paper ? PAPER_RUNS : PRIVACY_RUNS).filter(
    (r) => !options.only || options.only.includes(r.name),
  );
  const runs: RunSummary[] = [];
  const failed: { name: string; error: string }[] = [];
  for (const [index, run] of planned.entries()) {
    log(`\n[${index + 1}/${planned.length}] ${run.name}`);
    const data = await federations.get(run.data, log);
    const runOptions = resolveSimulationOptions({
      ...options.base,
      ...run.options,
      out: join(options.out, 'runs', run.name),
    });
    try {
      const result = await runSimulation(runOptions, { log: (line) => log(`  ${line}`), ...data });
      runs.push(summarize(run.name, result.report));
      log(`  ${run.name}: mean AUC ${result.report.final.meanAuc?.toFixed(3) ?? '—'}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failed.push({ name: run.name, error: message });
      log(`  ${run.name} failed: ${message}`);
    }
  }
  let baselines: ReturnType<typeof runBaselines> | undefined;
  if (paper && (!options.only || options.only.includes('hybrid'))) {
    log('\nbaselines');
    await initBackend({ backend: 'auto', log: () => {} });
    const { loaded } = await federations.get('default', log);
    baselines = runBaselines(loaded, { ...base, batchSize: base.batchSize }, log);
  }
  const report = ExperimentReport.parse({
    schema: 'fedfuse-sim/experiment/1',
    generatedAt: new Date().toISOString(),
    preset: options.preset,
    command: options.command,
    runs,
    failed,
    centralized: baselines?.centralized ?? null,
    localOnly: baselines?.localOnly ?? null,
    totalSeconds: (performance.now() - started) / 1000,
  } satisfies ExperimentReport);
  const markdown = paper ? experimentMarkdown(report) : privacyMarkdown(report);
  const paths = {
    resultsJson: join(options.out, 'results.json'),
    resultsMd: join(options.out, 'results.md'),
    reportHtml: join(options.out, 'report.html'),
  };
  writeFileSync(paths.resultsJson, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(paths.resultsMd, markdown);
  writeFileSync(paths.reportHtml, renderExperimentHtml(report));
  return { report, markdown, ...paths };
}
