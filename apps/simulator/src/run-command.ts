import { Command } from 'commander';

import { progressLog } from './log/progress-log.ts';
import { RUN_FLAGS, resolveSimulationOptions, type SimulationInput } from './options.ts';
import { commanderOption, flagValues } from './run-flags.ts';
import { FINAL_HEADERS, finalTableRows, modelLine, privacyLine } from './report-html.ts';
import type { SimulationReport } from './report-schema.ts';
import { runSimulation } from './simulation.ts';
import { bytes, markdownTable, num } from './tables.ts';

const RUN_DESCRIPTION =
  'Generates a synthetic federation, starts the real coordinator and one real site daemon per site on ' +
  '127.0.0.1, trains, and writes DIR/report.json and DIR/report.html.';

/** The final table and the cost, as printed at the end of a run. */
function summarize(report: SimulationReport): string {
  const t = report.timings;
  return [
    `${modelLine(report)} on the pooled test splits of all ${report.config.sites} sites (${report.final.numExamples} patients):`,
    markdownTable(FINAL_HEADERS, finalTableRows(report)),
    `mean AUC ${num(report.final.meanAuc)}`,
    privacyLine(report),
    `time ${num(t.totalSeconds, 1)} s (setup ${num(t.setupSeconds, 1)} s${t.startSitesSeconds === undefined ? '' : ` of which enrolling and starting the sites ${num(t.startSitesSeconds, 1)} s`}, training ${num(t.trainingSeconds, 1)} s, round overhead ${num(t.roundOverheadSeconds, 1)} s)`,
    memoryLine(report),
  ].join('\n');
}

/** The summed peak memory, split into the coordinator and the site hosts, and per site. */
function memoryLine(report: SimulationReport): string {
  const { processes } = report.memory;
  const sum = (role: (r: string) => boolean) =>
    processes.filter((p) => role(p.role)).reduce((s, p) => s + p.peakBytes, 0);
  const hosts = processes.filter((p) => p.role !== 'coordinator').length;
  const sitesBytes = sum((r) => r !== 'coordinator');
  const { sites } = report.config;
  return (
    `peak memory (sum of each process's peak RSS) ${bytes(report.peakMemoryBytes)}: coordinator ${bytes(sum((r) => r === 'coordinator'))}, ` +
    `${sites} sites in ${hosts} process${hosts === 1 ? '' : 'es'} ${bytes(sitesBytes)} (${bytes(sitesBytes / sites)} a site); the simulator itself ${bytes(report.memory.simulatorPeakBytes)}`
  );
}

/** `fedfuse-sim run`: every flag from RUN_FLAGS; `exit` receives the command's exit code. */
export function runCommand(exit: (code: number) => void): Command {
  const command = new Command('run')
    .summary('one federated training run and its report')
    .description(RUN_DESCRIPTION);
  for (const flag of RUN_FLAGS) {
    const option = commanderOption(flag);
    command.addOption(flag.key === 'out' ? option.makeOptionMandatory() : option);
  }
  return command.action(async () => exit(await run(flagValues(command, RUN_FLAGS))));
}

async function run(values: Partial<Record<keyof SimulationInput, unknown>>): Promise<number> {
  const options = resolveSimulationOptions(values as Partial<SimulationInput> & { out: string });
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
