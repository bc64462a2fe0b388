import { SiteDaemon } from '../daemon/site-daemon.ts';
import type { ExitCode } from '../errors.ts';
import { createLogger, type LogFormat } from '../log/logger.ts';
import type { BackendChoice } from '../store/client-config.ts';
import type { ThreadsSetting } from '../trainer/threads.ts';
import { siteDir } from './flags.ts';
import type { CliIo } from './cli-io.ts';

/** Flags of `start` (declared in program.ts; commander checked the choices and integers). */
export interface StartFlags {
  dir?: string;
  backend?: BackendChoice;
  threads?: ThreadsSetting;
  log?: LogFormat;
  reconnectDelay?: number;
  reconnectDelayMax?: number;
}

/** `fedfuse-client start`: run the site daemon until a signal (0) or a final refusal (3). */
export async function startCommand(flags: StartFlags, io: CliIo): Promise<ExitCode> {
  const format = flags.log ?? (io.stdout.isTTY ? 'pretty' : 'json');
  const { env } = io;
  const timing = {
    reconnectDelayMs: flags.reconnectDelay ?? env.FEDFUSE_RECONNECT_DELAY_MS,
    reconnectDelayMaxMs: flags.reconnectDelayMax ?? env.FEDFUSE_RECONNECT_DELAY_MAX_MS,
    handshakeBackoffMs: env.FEDFUSE_HANDSHAKE_BACKOFF_MS,
    handshakeBackoffMaxMs: env.FEDFUSE_HANDSHAKE_BACKOFF_MAX_MS,
    ackTimeoutMs: env.FEDFUSE_ACK_TIMEOUT_MS,
  };
  const log = createLogger({ format, stream: io.stdout });
  const daemon = await SiteDaemon.start({
    dir: siteDir(flags.dir, io),
    backend: flags.backend,
    threads: flags.threads,
    log,
    timing,
    poison: env.FEDFUSE_SIMULATED_POISON,
    dumpSecAggUpdates: env.FEDFUSE_TEST_DUMP_SECAGG_UPDATES,
    progressStream: format === 'pretty' ? io.stdout : undefined,
  });
  io.onShutdownSignal?.(() => {
    log.info('shutting down');
    void daemon.stop();
  });
  return daemon.exited;
}
