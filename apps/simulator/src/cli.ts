import { runExperimentCommand } from './experiment-command.ts';
import { runCommand } from './run-command.ts';

const HELP = `fedfuse-sim — a whole FedFuse federation on this machine

  fedfuse-sim run --out DIR [options]           one federated training run and its report
  fedfuse-sim experiment --preset paper --out DIR   the paper's study, federated (docs/results.md)

Run 'fedfuse-sim run --help' or 'fedfuse-sim experiment --help' for the options.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runCommand(rest);
    case 'experiment':
      return runExperimentCommand(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`fedfuse-sim: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fedfuse-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
