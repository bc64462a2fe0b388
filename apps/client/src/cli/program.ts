import { Command, Option, type OutputConfiguration } from 'commander';

import type { ExitCode } from '../errors.ts';
import type { LogFormat } from '../log/logger.ts';
import { BACKEND_CHOICES } from '../store/client-config.ts';
import { SOFTWARE_VERSION } from '../version.ts';
import type { CliIo } from './cli-io.ts';
import {
  choiceFlag,
  intFlag,
  RECALIBRATION_CHOICES,
  refuseFlagsAsValues,
  textFlag,
  threadsFlag,
} from './flags.ts';

/** A command's implementation, given the flags commander parsed. */
export type CommandImpl = (flags: never, io: CliIo) => Promise<ExitCode>;

/** Runs a command: its implementation, loaded on demand, with its parsed flags. */
export type RunCommand = (load: () => Promise<CommandImpl>, flags: object) => Promise<void>;

/** One command: what the general help and its own help say, its flags, and where it is implemented. */
interface CommandDeclaration {
  name: string;
  summary: string;
  description: string;
  flags: () => Option[];
  /** Imported only when the command runs: `check` should not pay for tfjs, `init` not for socket.io. */
  load: () => Promise<CommandImpl>;
}

const LOG_FORMATS = ['json', 'pretty'] as const satisfies readonly LogFormat[];
const ANY_MS = { min: 1, max: Number.MAX_SAFE_INTEGER };
const dirFlag = () => textFlag('--dir <DIR>', 'site folder (default: $FEDFUSE_DIR or the current folder)');

/** Every command of `fedfuse-client`, and every flag of each, declared once. */
const COMMANDS: readonly CommandDeclaration[] = [
  {
    name: 'init',
    summary: 'create the site folder: identity key (0600) and client.yaml',
    description:
      'Creates DIR, the site identity DIR/site.key (mode 0600) and DIR/client.yaml. Refuses to ' +
      'overwrite an existing key: a new key means enrolling the site again.',
    flags: () => [
      textFlag('--dir <DIR>', 'site folder to create (required)'),
      textFlag('--name <NAME>', 'site name shown to the operator (default: the folder name)'),
      textFlag(
        '--data <SITE_YAML>',
        'the site data config (see docs/site-admin-guide.md); can be set later in client.yaml',
      ),
    ],
    load: async () => (await import('./init-command.ts')).initCommand,
  },
  {
    name: 'enroll',
    summary: 'enroll with the coordinator using the operator’s one-time token',
    description:
      "Sends the site's public keys with the operator's one-time token, prints the coordinator's " +
      'fingerprint and saves the coordinator keys in DIR/enrollment.json. Compare the fingerprint with ' +
      'the operator out of band. The token comes from --token-file, FEDFUSE_ENROLLMENT_TOKEN, ' +
      'FEDFUSE_ENROLLMENT_TOKEN_FILE or --token.',
    flags: () => [
      textFlag('--coordinator <URL>', 'coordinator address, e.g. https://fl.example.org (required)'),
      textFlag('--token-file <PATH>', 'file holding the one-time enrollment token from the operator'),
      textFlag('--token <TOKEN>', 'the token itself; warns, as every local user sees it in ps'),
      dirFlag(),
      new Option('--force', 'enroll again although DIR/enrollment.json exists'),
    ],
    load: async () => (await import('./enroll-command.ts')).enrollCommand,
  },
  {
    name: 'check',
    summary: 'load the site data and print the load report',
    description:
      'Loads the site data named in DIR/client.yaml and prints the load report: files, patients per ' +
      'modality and per combination of modalities, the train/test split, and every rejected row with ' +
      'file, line and reason. Exits with 1 when the data cannot be loaded.',
    flags: () => [dirFlag()],
    load: async () => (await import('./check-command.ts')).checkCommand,
  },
  {
    name: 'start',
    summary: 'run the site daemon (train and evaluate when the coordinator asks)',
    description:
      'Runs the site daemon: connects to the coordinator, authenticates, trains and evaluates when ' +
      'asked. Stops cleanly on SIGINT/SIGTERM (exit 0); exits with 3 when the coordinator refuses the ' +
      'site for good (revoked, unknown, wrong coordinator key).',
    flags: () => [
      dirFlag(),
      choiceFlag('--backend <NAME>', "tfjs backend (default: client.yaml's, normally auto)", BACKEND_CHOICES),
      threadsFlag("training threads, auto = one per core (default: client.yaml's, normally auto)"),
      choiceFlag('--log <FORMAT>', 'log format (default: pretty on a terminal, json otherwise)', LOG_FORMATS),
      intFlag(
        '--reconnect-delay <MS>',
        'first reconnection delay (default: $FEDFUSE_RECONNECT_DELAY_MS or 500)',
        ANY_MS,
      ),
      intFlag(
        '--reconnect-delay-max <MS>',
        'reconnection delay cap (default: $FEDFUSE_RECONNECT_DELAY_MAX_MS or 5000)',
        ANY_MS,
      ),
    ],
    load: async () => (await import('./start-command.ts')).startCommand,
  },
  {
    name: 'status',
    summary: 'show enrollment, pinned fingerprint, stored models and recent rounds',
    description:
      'Shows the enrollment and pinned coordinator fingerprint, the models in the local store, results ' +
      'waiting to be sent and the last round trained and evaluated. Needs no network.',
    flags: () => [dirFlag(), new Option('--json', 'print the status as JSON, for scripts')],
    load: async () => (await import('./status-command.ts')).statusCommand,
  },
  {
    name: 'evaluate',
    summary: 'evaluate a stored global model on the local test split',
    description: "Evaluates a global model on the site's held-out split and prints per-task metrics.",
    flags: () => [
      textFlag(
        '--model <HASH_OR_PATH>',
        "a model hash (or unique prefix) from the local store, a .ffwt file, or a checkpoint's " +
          'model.json from the coordinator with its weights file beside it (required)',
      ),
      dirFlag(),
      textFlag(
        '--spec <SPEC_JSON>',
        "the model's ModelSpec, for a file outside the store without a .json beside it",
      ),
      intFlag('--bins <N>', 'bins of the score histogram behind the metrics (default: 10)', {
        min: 2,
        max: 1000,
      }),
      choiceFlag('--backend <NAME>', "tfjs backend (default: client.yaml's)", BACKEND_CHOICES),
      choiceFlag(
        '--recalibrate-on <SPLIT>',
        "the split this site's intercepts are refitted on before scoring, as the federation scores " +
          '(default: train; validation as in a record-level DP run; none: the shared model as it is)',
        RECALIBRATION_CHOICES,
      ),
    ],
    load: async () => (await import('./evaluate-command.ts')).evaluateCommand,
  },
];

/**
 * `fedfuse-client` built from COMMANDS: commander parses the flags and writes the help. Subcommands
 * inherit `output` and the exit override; `run` runs the command that was asked for.
 */
export function clientProgram(run: RunCommand, output: OutputConfiguration): Command {
  const program = new Command('fedfuse-client')
    .usage('<command> [options]')
    .description('the FedFuse site daemon and its set-up commands')
    .version(SOFTWARE_VERSION, '--version', 'print the version')
    .exitOverride()
    .configureOutput(output)
    .hook('preAction', refuseFlagsAsValues)
    .addHelpText('after', "\nRun 'fedfuse-client <command> --help' for a command's options.");
  for (const declared of COMMANDS) {
    const command = program
      .command(declared.name)
      .summary(declared.summary)
      .description(declared.description)
      .action((flags: object) => run(declared.load, flags));
    for (const flag of declared.flags()) command.addOption(flag);
  }
  return program;
}
