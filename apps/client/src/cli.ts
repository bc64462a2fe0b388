import { CommanderError } from 'commander';

import { readEnv } from './env.ts';
import { type ExitCode, usageError } from './errors.ts';
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
      // Refusals are printed by `fail`, as one line like every other error.
      outputError: () => {},
    },
  );
  const commands = program.commands.map((c) => c.name());
  const name = commands.includes(argv[0] ?? '') ? argv[0] : undefined;
  const fail = (err: unknown): ExitCode => {
    const e = toCliError(err);
    io.stderr.write(`fedfuse-client${name ? ` ${name}` : ''}: ${e.message.replace(/\s*\n\s*/g, ' ')}\n`);
    return e.exitCode;
  };
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (!(err instanceof CommanderError)) return fail(err);
    // Help and --version exit 0; every refusal is a usage error.
    if (err.exitCode === 0) return 0;
    if (err.code === 'commander.unknownCommand')
      return fail(usageError(`unknown command "${argv[0]}" (commands: ${commands.join(', ')})`));
    if (err.code === 'commander.excessArguments') {
      const extra = program.commands.find((c) => c.name() === name)?.args[0];
      return fail(usageError(`unexpected argument '${extra}'`));
    }
    return fail(usageError(err.message.replace(/^error: /, '')));
  }
}

function readEnvOrUsage(): CliIo['env'] {
  try {
    return readEnv();
  } catch (err) {
    throw usageError((err as Error).message);
  }
}
