import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { activeBackend, initBackend, type TriModalModel } from '@fedfuse/model';
import type { GeneratedFederation } from '@fedfuse/data';
import type { RunDetail } from '@fedfuse/protocol';
import { loadCheckpointModel } from './checkpoint-model.ts';
import { LocalCluster } from './cluster.ts';
import { findDashboard } from './dashboard.ts';
import { evaluateFinal, type FinalEvaluation } from './final-evaluation.ts';
import { followRun } from './follow-run.ts';
import {
  generateFederation,
  loadFederation,
  pooledRecalibration,
  type LoadedFederation,
} from './federation.ts';
import type { SimulationOptions } from './options.ts';
import { outPaths, prepareOutDir } from './out-dir.ts';
import { peakRss } from './processes.ts';
import { renderReportHtml } from './report-html.ts';
import {
  parseReport,
  type RoundReport,
  type SimulationConfig,
  type SimulationReport,
} from './report-schema.ts';
import { roundReports } from './round-reports.ts';
import { runConfigFor, trainingSites } from './run-config.ts';

/** Where the simulation's output and messages go, and data an experiment already prepared. */
export interface SimulationContext {
  log: (line: string) => void;
  /** A federation generated earlier with the same data options (experiments reuse their sites). */
  federation?: GeneratedFederation;
  loaded?: LoadedFederation;
  /** Called with the dashboard URL and operator token once the coordinator is up (after the run, too). */
  onDashboard?: (o: { url: string; operatorToken: string }) => void;
  /** Called with the report as soon as it is written (before any lingering). */
  onFinished?: (report: SimulationReport) => void;
  /** Keep the coordinator serving the dashboard after the run until this resolves. */
  lingerUntil?: Promise<void>;
}

/** A finished simulation: its validated report and where it was written. */
export interface SimulationResult {
  report: SimulationReport;
  reportJson: string;
  reportHtml: string;
}

const seconds = (from: number) => (performance.now() - from) / 1000;

/**
 * `fedfuse-sim run`: generates a synthetic federation, runs the real coordinator and one real site daemon
 * per site as child processes (enrollment tokens, signed handshakes, sealed deltas, federated evaluation),
 * then evaluates the final global model on the pooled held-out splits and writes report.json/report.html.
 */
export async function runSimulation(
  options: SimulationOptions,
  context: SimulationContext,
): Promise<SimulationResult> {
  const { log } = context;
  const started = performance.now();
  const paths = outPaths(options.out);
  prepareOutDir(options.out);
  const federation = context.federation ?? (await generate(options, log));
  const loaded = context.loaded ?? (await loadFederation(federation, { keepTrain: false }));
  const dashboardDir = options.dashboard ? dashboardFolder(log) : undefined;
  const cluster = LocalCluster.under(options.out, {
    dashboardDir,
    concurrency: Math.max(1, Math.min(options.concurrency, availableParallelism())),
    log,
  });
  let result: SimulationResult;
  try {
    const api = await cluster.startCoordinator();
    log(`coordinator listening on ${api.url} (data in ${paths.coordinator})`);
    if (dashboardDir) context.onDashboard?.({ url: api.url, operatorToken: cluster.operatorToken });
    const hosts = Math.min(options.sites, cluster.hostCount);
    log(
      `enrolling and starting ${options.sites} site daemons in ${hosts} site host process${hosts === 1 ? '' : 'es'} (logs in ${paths.logs})`,
    );
    const sitesStarted = performance.now();
    await cluster.startSites(
      federation.sites.map((s, i) => ({
        name: s.name,
        config: s.config,
        ...(options.poisonSite === i + 1 ? { poison: options.poison } : {}),
      })),
    );
    if (options.poisonSite)
      log(`site ${options.poisonSite} is an attacker: it sends ${options.poison} updates every round`);
    const setupSeconds = seconds(started);
    const startSitesSeconds = seconds(sitesStarted);
    log(`${options.sites} sites enrolled and connected in ${startSitesSeconds.toFixed(1)} s`);
    const runId = await api.createRun(runConfigFor(options, loaded));
    await api.startRun(runId);
    const sampled =
      options.fraction < 1 ? `, ${trainingSites(options)} of ${options.sites} sites train each round` : '';
    log(`run ${runId}: ${options.rounds} rounds of ${options.strategy}, ${options.fusion} fusion${sampled}`);
    const views = await followRun({
      api,
      runId,
      rounds: options.rounds,
      daemons: () => cluster.daemons(),
      log,
    });
    const siteNames = new Map((await api.sites()).map((s) => [s.siteId, s.name]));
    const rounds = roundReports({
      rounds: views,
      siteNames,
      longestTraining: (id) => cluster.trainingLog.longestTraining(id),
    });
    await initBackend({ backend: 'auto', log: () => {} });
    // The model is the round the coordinator selected on the sites' validation splits, not the last one.
    const detail = await api.run(runId);
    const selected = detail.selectedRound;
    const choice = selected
      ? { round: selected.round, selectedBy: 'validation' as const }
      : { round: options.rounds, selectedBy: 'last' as const };
    log(
      selected
        ? `selected round ${selected.round} of ${options.rounds} (pooled validation AUC ${selected.validationAuc.toFixed(3)})`
        : `no site held out validation patients: the last round is the model`,
    );
    const model = await loadCheckpointModel(api, { runId, round: choice.round });
    cluster.memory.stop();
    await cluster.stopDaemons();
    const report = finalReport({
      options,
      federation,
      loaded,
      model,
      choice,
      partial: { runId, rounds, started, setupSeconds, startSitesSeconds, cluster, privacy: detail.privacy },
    });
    writeFileSync(paths.reportJson, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(paths.reportHtml, renderReportHtml(report));
    result = { report, reportJson: paths.reportJson, reportHtml: paths.reportHtml };
    context.onFinished?.(report);
    if (context.lingerUntil) await context.lingerUntil;
  } finally {
    await cluster.stop();
  }
  return result;
}

/** Evaluates the final model in this process and assembles the validated report. */
function finalReport(o: {
  options: SimulationOptions;
  federation: GeneratedFederation;
  loaded: LoadedFederation;
  model: TriModalModel;
  choice: { round: number; selectedBy: 'validation' | 'last' };
  partial: {
    runId: string;
    rounds: RoundReport[];
    started: number;
    setupSeconds: number;
    startSitesSeconds: number;
    cluster: LocalCluster;
    privacy: RunDetail['privacy'];
  };
}): SimulationReport {
  const { options, partial } = o;
  const evaluationStarted = performance.now();
  let final: FinalEvaluation;
  try {
    // Scored as the daemons score: each site refits its intercepts (on validation under record-level DP).
    const split = options.dpRecordLevel ? 'validation' : 'train';
    final = evaluateFinal(o.model, o.loaded.pooledTest, pooledRecalibration(o.loaded, split));
  } finally {
    o.model.dispose();
  }
  return parseReport({
    schema: 'fedfuse-sim/report/1',
    generatedAt: new Date().toISOString(),
    config: reportConfig(options, o.loaded),
    runId: partial.runId,
    sites: o.federation.sites.map((s) => ({
      name: s.name,
      patients: s.patients,
      test: s.test,
      prevalence: s.prevalence,
      withModality: s.withModality,
    })),
    rounds: partial.rounds,
    final: { ...o.choice, lastRound: options.rounds, ...final },
    privacy: {
      // The run's DP view is absent without DP: the option itself says whether rounds were masked.
      secureAggregation: options.secureAggregation !== undefined,
      epsilon: partial.privacy?.epsilon ?? null,
      delta: partial.privacy?.delta ?? null,
      mechanism: partial.privacy?.mechanism ?? null,
      sites: (partial.privacy?.sites ?? []).map((s) => ({
        name: s.siteName,
        rounds: s.rounds,
        epsilon: s.epsilon,
        recordLevel: s.recordLevel,
      })),
    },
    timings: timings({
      rounds: partial.rounds,
      totalSeconds: seconds(partial.started),
      setupSeconds: partial.setupSeconds,
      startSitesSeconds: partial.startSitesSeconds,
      finalEvaluationSeconds: seconds(evaluationStarted),
    }),
    peakMemoryBytes: partial.cluster.memory.total(),
    memory: { processes: partial.cluster.memory.processes(), simulatorPeakBytes: peakRss(process.pid) ?? 0 },
  } satisfies SimulationReport);
}

async function generate(
  options: SimulationOptions,
  log: (line: string) => void,
): Promise<GeneratedFederation> {
  const paths = outPaths(options.out);
  log(
    `generating ${options.sites} sites × ~${options.patientsPerSite} patients (${options.imageSize}×${options.imageSize} images, ${options.genes} genes, missing-modality rates × ${options.missingScale}, ${options.iid ? 'IID' : `label skew α = ${options.labelSkew}`}) in ${paths.sites}`,
  );
  return generateFederation({ ...options, outDir: paths.sites });
}

function dashboardFolder(log: (line: string) => void): string | undefined {
  const found = findDashboard();
  if (!found.dir) log(`the dashboard is not available (${found.reason}); carrying on without it`);
  return found.dir;
}

function reportConfig(options: SimulationOptions, loaded: LoadedFederation): SimulationConfig {
  return {
    sites: options.sites,
    rounds: options.rounds,
    seed: options.seed,
    trainSeed: options.trainSeed ?? null,
    fusion: options.fusion,
    strategy: options.strategy,
    patientsPerSite: options.patientsPerSite,
    nonIid: options.iid ? null : options.labelSkew,
    iid: options.iid,
    epochs: options.epochs,
    fraction: options.fraction,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    modalityKeepProb: options.modalityKeepProb,
    proximalMu: options.proximalMu,
    serverLearningRate: options.serverLearningRate ?? null,
    imageSize: options.imageSize,
    imageFamily: options.imageFamily,
    genes: loaded.genomicsDim,
    missingScale: options.missingScale,
    weightDecay: options.weightDecay,
    alignWeight: options.alignWeight,
    genomicsNoise: options.genomicsNoise,
    genomicsDecay: options.genomicsDecay,
    tasks: loaded.tasks,
    backend: activeBackend()?.name ?? 'unknown',
  };
}

function timings(o: {
  rounds: SimulationReport['rounds'];
  totalSeconds: number;
  setupSeconds: number;
  startSitesSeconds: number;
  finalEvaluationSeconds: number;
}): SimulationReport['timings'] {
  const training = o.rounds.reduce((s, r) => s + (r.trainingSeconds ?? 0), 0);
  const overhead = o.rounds.reduce((s, r) => s + (r.overheadSeconds ?? r.durationSeconds ?? 0), 0);
  return {
    totalSeconds: o.totalSeconds,
    setupSeconds: o.setupSeconds,
    startSitesSeconds: o.startSitesSeconds,
    trainingSeconds: training,
    roundOverheadSeconds: overhead,
    finalEvaluationSeconds: o.finalEvaluationSeconds,
  };
}
