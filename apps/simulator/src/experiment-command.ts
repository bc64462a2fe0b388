import { Command, Option } from 'commander';

import { EXPERIMENT_PRESETS, runExperiment, type ExperimentPreset } from './experiment.ts';
import { progressLog } from './log/progress-log.ts';
import { PAPER_RUNS, PRIVACY_RUNS } from './experiment-plan.ts';
import { RUN_FLAGS, type SimulationInput } from './options.ts';
import { commanderOption, flagValues } from './run-flags.ts';

const EXPERIMENT_DESCRIPTION =
  "The seed paper's study, federated: fusion comparison (Table 1), modality removal (Table 2), attention " +
  'and Shapley values per task, and beyond the paper federated vs centralized vs local-only training, IID ' +
  'vs non-IID sites, FedAvg vs FedProx vs FedAdam. Writes DIR/results.md, DIR/results.json, ' +
  "DIR/report.html and each run's own report under DIR/runs/. --preset privacy instead runs DP-FedAvg with " +
  'a few noise multipliers and record-level DP-SGD once, and writes the privacy–utility table (ε against ' +
  'pooled AUC per task).';

type ExperimentBase = Partial<SimulationInput>;

/** The run flags an experiment passes on to every run (their help is `fedfuse-sim run`'s). */
const OVERRIDES = [
  'sites',
  'seed',
  'rounds',
  'epochs',
  'patientsPerSite',
  'imageSize',
  'genes',
  'missingScale',
  'learningRate',
  'weightDecay',
  'alignWeight',
  'genomicsNoise',
  'genomicsDecay',
] as const satisfies readonly (keyof ExperimentBase)[];

/** `fedfuse-sim experiment`; `exit` receives the command's exit code. */
export function experimentCommand(exit: (code: number) => void): Command {
  const flags = RUN_FLAGS.filter((f) => (OVERRIDES as readonly string[]).includes(f.key));
  const command = new Command('experiment')
    .summary("the paper's study, federated (docs/results.md)")
    .description(EXPERIMENT_DESCRIPTION)
    .addOption(new Option('--preset <name>', 'the study').choices(EXPERIMENT_PRESETS).makeOptionMandatory())
    .addOption(new Option('--out <DIR>', 'output folder').makeOptionMandatory())
    .addOption(
      new Option(
        '--only <a,b>',
        `only these runs: ${PAPER_RUNS.map((r) => r.name).join(', ')} (paper); ${PRIVACY_RUNS.map((r) => r.name).join(', ')} (privacy)`,
      ),
    );
  for (const flag of flags) command.addOption(commanderOption(flag));
  return command.action(async (options: { preset: ExperimentPreset; out: string; only?: string }) => {
    const base = flagValues(command, flags) as ExperimentBase;
    exit(await experiment({ preset: options.preset, out: options.out, only: options.only, base }));
  });
}

async function experiment(args: {
  preset: ExperimentPreset;
  out: string;
  only?: string;
  base: ExperimentBase;
}): Promise<number> {
  const log = progressLog();
  // The tables and the results' paths are the command's result, for people: plain text, not log lines.
  const print = (text: string) => process.stdout.write(`${text}\n`);
  const result = await runExperiment({
    preset: args.preset,
    out: args.out,
    base: args.base,
    only: args.only?.split(',').map((s) => s.trim()),
    command: `fedfuse-sim ${process.argv.slice(2).join(' ')}`,
    log,
  });
  print(`\n${result.markdown}`);
  print(`results: ${result.resultsMd}\n         ${result.resultsJson}\n         ${result.reportHtml}`);
  return result.report.failed.length > 0 ? 1 : 0;
}
