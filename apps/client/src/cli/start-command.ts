import { SiteDaemon } from '../daemon/site-daemon.ts';
import type { ExitCode } from '../errors.ts';
import { createLogger, type LogFormat } from '../log/logger.ts';
import { BACKEND_CHOICES } from '../store/client-config.ts';
import { choiceFlag, intFlag, parseFlags, siteDir, stringFlag } from './args.ts';
import type { CliIo } from './cli-io.ts';

/** `fedfuse-client start`: run the site daemon until a signal (0) or a final refusal (3). */
export async function startCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(argv, {
    dir: { type: 'string' },
    backend: { type: 'string' },
    log: { type: 'string' },
    'reconnect-delay': { type: 'string' },
    'reconnect-delay-max': { type: 'string' },
  });
  const backend =
    stringFlag(flags, 'backend') === undefined
      ? undefined
      : choiceFlag(flags, { name: 'backend', choices: BACKEND_CHOICES, fallback: 'auto' });
  const format = choiceFlag<LogFormat>(flags, {
    name: 'log',
    choices: ['json', 'pretty'],
    fallback: io.stdout.isTTY ? 'pretty' : 'json',
  });
  const { env } = io;
  const timing = {
    reconnectDelayMs: intFlag(flags, { name: 'reconnect-delay', fallback: env.FEDFUSE_RECONNECT_DELAY_MS }),
    reconnectDelayMaxMs: intFlag(flags, {
      name: 'reconnect-delay-max',
      fallback: env.FEDFUSE_RECONNECT_DELAY_MAX_MS,
    }),
    handshakeBackoffMs: env.FEDFUSE_HANDSHAKE_BACKOFF_MS,
    handshakeBackoffMaxMs: env.FEDFUSE_HANDSHAKE_BACKOFF_MAX_MS,
    ackTimeoutMs: env.FEDFUSE_ACK_TIMEOUT_MS,
  };
  const log = createLogger({ format, stream: io.stdout });
  const daemon = await SiteDaemon.start({
    dir: siteDir(flags, io),
    backend,
    log,
    timing,
    poison: env.FEDFUSE_SIMULATED_POISON,
    progressStream: format === 'pretty' ? io.stdout : undefined,
  });
  io.onShutdownSignal?.(() => {
    log.info('shutting down');
    void daemon.stop();
  });
  return daemon.exited;
}
