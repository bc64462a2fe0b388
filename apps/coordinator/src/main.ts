import { Command, CommanderError, Option } from 'commander';
import { createLogger } from '@fedfuse/log';
import { initBackend } from '@fedfuse/model';
import { escapeUnsafeText } from '@fedfuse/protocol';
import { startCoordinator } from './coordinator.ts';
import { growHeapLimit } from '@fedfuse/log/heap-growth';
import { stopWithParent } from '@fedfuse/log/parent-watch';
import { loadSettings, type CoordinatorSettings } from './env.ts';
import { OperatorTokenService } from './services/operator-token.service.ts';

/** The coordinator's flags, declared once: commander parses them and writes `--help` from them. */
const FLAGS = [
  [
    'dataDir',
    '--data <DIR>',
    'data directory: database, keys, checkpoints [FEDFUSE_DATA_DIR] (.fedfuse/coordinator)',
  ],
  ['host', '--host <HOST>', 'interface to listen on [FEDFUSE_HOST] (127.0.0.1)'],
  ['port', '--port <PORT>', 'port; 0 picks a free one [PORT] (8080)'],
  ['databaseUrl', '--database-url <URL>', 'PostgreSQL instead of the SQLite file [DATABASE_URL]'],
  [
    'operatorTokenFile',
    '--operator-token-file <PATH>',
    'file holding the operator token [FEDFUSE_OPERATOR_TOKEN_FILE]',
  ],
  [
    'operatorToken',
    '--operator-token <TOKEN>',
    'operator token [FEDFUSE_OPERATOR_TOKEN] (generated into DIR/operator-token); the flag shows it to every local user in ps: prefer the variable or a file',
  ],
  ['dashboardDir', '--dashboard <DIR>', 'folder of the built dashboard to serve [FEDFUSE_DASHBOARD_DIR]'],
] as const satisfies readonly (readonly [keyof CoordinatorSettings, string, string])[];

type Flags = Partial<Record<(typeof FLAGS)[number][0], string>>;

/** Parses the command line; an exit code when it only asked for help or commander refused it (and said why). */
function parseFlags(argv: string[]): Flags | number {
  const program = new Command('fedfuse-coordinator')
    .description(
      'runs the FedFuse coordinator (REST API, site and dashboard sockets); each option is also read from the environment variable in brackets',
    )
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`fedfuse-coordinator: ${text.replace(/^error: /, '')}`),
    });
  for (const [, flags, help] of FLAGS) program.addOption(new Option(flags, help));
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  const values = program.opts<Record<string, string | undefined>>();
  return Object.fromEntries(FLAGS.map(([key, flags]) => [key, values[new Option(flags).attributeName()]]));
}

async function main(): Promise<void> {
  growHeapLimit(process.execArgv, process.env.NODE_OPTIONS);
  const flags = parseFlags(process.argv.slice(2));
  if (typeof flags === 'number') process.exit(flags);
  const settings = loadSettings(flags, process.env);
  const log = createLogger({ base: { context: 'settings' } });
  if (flags.operatorToken)
    log.warn(
      '--operator-token puts the token on the command line, visible in ps to every local user: use FEDFUSE_OPERATOR_TOKEN or --operator-token-file PATH (W9)',
    );
  if (flags.databaseUrl && URL.canParse(flags.databaseUrl) && new URL(flags.databaseUrl).password)
    log.warn('--database-url holds a password, visible in ps to every local user: use DATABASE_URL (W9)');
  // W8: what the coordinator creates (database, WAL, checkpoints) is its own alone.
  process.umask(0o077);
  const backend = await initBackend({ backend: 'auto', log: () => {} });
  const coordinator = await startCoordinator(settings);
  const tokenPath = coordinator.app.get(OperatorTokenService).path();
  // For people; values are escaped so a path with a newline cannot add a line (W4).
  process.stdout.write(
    `${[
      `fedfuse coordinator listening on ${coordinator.url}`,
      `  data directory   ${settings.dataDir}`,
      `  database         ${settings.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'SQLite file in the data directory'}`,
      `  model backend    ${backend.name}`,
      `  key fingerprint  ${coordinator.fingerprint}`,
      `  operator token   ${tokenPath ? `in ${tokenPath}` : 'from settings'}`,
    ]
      .map(escapeUnsafeText)
      .join('\n')}\n\n`,
  );
  const stop = () => void coordinator.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Started by the simulator: stop with it, however it ended.
  stopWithParent(stop);
}

main().catch((error: Error) => {
  const log = createLogger({ stream: process.stderr, base: { context: 'fedfuse-coordinator' } });
  log.fatal({ err: error }, error.message);
  process.exit(1);
});
