import { readEnv } from './env.ts';
import { type ExitCode, usageError } from './errors.ts';
import type { CliIo } from './cli/cli-io.ts';
import { COMMAND_HELP, COMMAND_SUMMARIES, generalHelp } from './cli/help.ts';
import { toCliError } from './store/open-site.ts';
import { SOFTWARE_VERSION } from './version.ts';

type Command = (argv: string[], io: CliIo) => Promise<ExitCode>;

// Loaded on demand: `check` should not pay for tfjs, `init` not for socket.io.
const COMMANDS: Record<string, () => Promise<Command>> = {
  init: async () => (await import('./cli/init-command.ts')).initCommand,
  enroll: async () => (await import('./cli/enroll-command.ts')).enrollCommand,
  check: async () => (await import('./cli/check-command.ts')).checkCommand,
  start: async () => (await import('./cli/start-command.ts')).startCommand,
  status: async () => (await import('./cli/status-command.ts')).statusCommand,
  evaluate: async () => (await import('./cli/evaluate-command.ts')).evaluateCommand,
};

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
  const [name, ...rest] = argv;
  const fail = (command: string | undefined, err: unknown): ExitCode => {
    const e = toCliError(err);
    io.stderr.write(
      `fedfuse-client${command ? ` ${command}` : ''}: ${e.message.replace(/\s*\n\s*/g, ' ')}\n`,
    );
    return e.exitCode;
  };
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(`${generalHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.stdout.write(`${SOFTWARE_VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load)
    return fail(
      undefined,
      usageError(`unknown command "${name}" (commands: ${Object.keys(COMMAND_SUMMARIES).join(', ')})`),
    );
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${COMMAND_HELP[name]}\n`);
    return 0;
  }
  try {
    const env = io.env ?? readEnvOrUsage();
    return await (
      await load()
    )(rest, { ...io, env });
  } catch (err) {
    return fail(name, err);
  }
}

function readEnvOrUsage(): CliIo['env'] {
  try {
    return readEnv();
  } catch (err) {
    throw usageError((err as Error).message);
  }
}
