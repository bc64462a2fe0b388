import { parseArgs } from 'node:util';
import { createLogger } from '@fedfuse/log';
import { initBackend } from '@fedfuse/model';
import { escapeUnsafeText } from '@fedfuse/protocol';
import { startCoordinator } from './coordinator.ts';
import { loadSettings } from './env.ts';
import { OperatorTokenService } from './services/operator-token.service.ts';

const HELP = `fedfuse-coordinator — runs the FedFuse coordinator (REST API, site and dashboard sockets)

Options (each also read from the environment variable in brackets):
  --data DIR              data directory: database, keys, checkpoints [FEDFUSE_DATA_DIR] (.fedfuse/coordinator)
  --host HOST             interface to listen on [FEDFUSE_HOST] (127.0.0.1)
  --port PORT             port; 0 picks a free one [PORT] (8080)
  --database-url URL      PostgreSQL instead of the SQLite file [DATABASE_URL]
  --operator-token-file PATH  file holding the operator token [FEDFUSE_OPERATOR_TOKEN_FILE]
  --operator-token TOKEN  operator token [FEDFUSE_OPERATOR_TOKEN] (generated into DIR/operator-token);
                          the flag shows it to every local user in ps: prefer the variable or a file
  --dashboard DIR         folder of the built dashboard to serve [FEDFUSE_DASHBOARD_DIR]
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'database-url': { type: 'string' },
      'operator-token': { type: 'string' },
      'operator-token-file': { type: 'string' },
      dashboard: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const settings = loadSettings(
    {
      dataDir: values.data,
      host: values.host,
      port: values.port,
      databaseUrl: values['database-url'],
      operatorToken: values['operator-token'],
      operatorTokenFile: values['operator-token-file'],
      dashboardDir: values.dashboard,
    },
    process.env,
  );
  const log = createLogger({ base: { context: 'settings' } });
  if (values['operator-token'])
    log.warn(
      '--operator-token puts the token on the command line, visible in ps to every local user: use FEDFUSE_OPERATOR_TOKEN or --operator-token-file PATH (W9)',
    );
  if (
    values['database-url'] &&
    URL.canParse(values['database-url']) &&
    new URL(values['database-url']).password
  )
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
}

main().catch((error: Error) => {
  const log = createLogger({ stream: process.stderr, base: { context: 'fedfuse-coordinator' } });
  log.fatal({ err: error }, error.message);
  process.exit(1);
});
