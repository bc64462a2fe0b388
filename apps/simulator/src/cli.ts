import { Command, CommanderError } from 'commander';

import { experimentCommand } from './experiment-command.ts';
import { runCommand } from './run-command.ts';
import { siteHostCommand } from './site-host-command.ts';

// Usage errors a person must fix (no command, an unknown one, a missing or refused required flag) exit 2.
const USAGE_ERRORS = new Set([
  'commander.unknownCommand',
  'commander.missingMandatoryOptionValue',
  'commander.invalidArgument',
]);

/** `fedfuse-sim`, its commands and flags declared once with commander, which also writes their help. */
async function main(argv: string[]): Promise<number> {
  let code = 0;
  const exit = (c: number) => (code = c);
  const program = new Command('fedfuse-sim')
    .description('a whole FedFuse federation on this machine')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(`fedfuse-sim: ${text.replace(/^error: /, '')}`) });
  for (const command of [runCommand(exit), experimentCommand(exit)])
    program.addCommand(command.copyInheritedSettings(program));
  // The simulator starts its site hosts through its own executable; not a command for people.
  program.addCommand(siteHostCommand(exit), { hidden: true });
  if (argv.length === 0) {
    process.stdout.write(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return USAGE_ERRORS.has(error.code) ? 2 : error.exitCode;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fedfuse-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
