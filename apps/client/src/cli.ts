import { type Command, CommanderError } from 'commander';

import { readEnv } from './env.ts';
import { type CliError, type ExitCode, usageError } from './errors.ts';
import type { CliIo } from './cli/cli-io.ts';
import { clientProgram } from './cli/program.ts';
import { toCliError } from './store/open-site.ts';

/**
 * Run `fedfuse-client` with `argv` (without node and the script): returns the exit code. Every error is
 * printed as one line on stderr: 1 for failed operations, 2 for bad arguments or set-up, 3 when the
 * coordinator refused the site.
 * @example process.exit(await runCli(process.argv.slice(2), { stdout, stderr, env: readEnv(), cwd }))
 */
export async function runCli(
  argv: string[],
  io: Omit<CliIo, 'env'> & { env?: CliIo['env'] },
): Promise<ExitCode> {
  let code: ExitCode = 0;
  const program = clientProgram(
    async (load, flags) => {
      const env = io.env ?? readEnvOrUsage();
      code = await (await load())(flags as never, { ...io, env });
    },
    {
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Refusals are printed below, as one line like every other error.
      outputError: () => {},
    },
  );
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  const command = program.commands.find((c) => c.name() === argv[0]);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    // Help and --version end in a CommanderError with exit code 0.
    if (err instanceof CommanderError && err.exitCode === 0) return 0;
    const e = err instanceof CommanderError ? refusal(err, { program, command, argv }) : toCliError(err);
    const where = command ? ` ${command.name()}` : '';
    io.stderr.write(`fedfuse-client${where}: ${e.message.replace(/\s*\n\s*/g, ' ')}\n`);
    return e.exitCode;
  }
}

/** Commander's refusal as a usage error, naming the unknown command or the extra argument itself. */
function refusal(
  err: CommanderError,
  at: { program: Command; command: Command | undefined; argv: string[] },
): CliError {
  if (err.code === 'commander.unknownCommand') {
    const names = at.program.commands.map((c) => c.name()).join(', ');
    return usageError(`unknown command "${at.argv[0]}" (commands: ${names})`);
  }
  if (err.code === 'commander.excessArguments')
    return usageError(`unexpected argument '${at.command?.args[0]}'`);
  return usageError(err.message.replace(/^error: /, ''));
}

function readEnvOrUsage(): CliIo['env'] {
  try {
    return readEnv();
  } catch (err) {
    throw usageError((err as Error).message);
  }
}
