// Public surface of @fedfuse/client: the CLI entry and the daemon, for embedding (the simulator spawns the
// CLI as processes; tests and tools may run the daemon in-process).
export { runCli } from './cli.ts';
export type { CliIo } from './cli/cli-io.ts';
export { SiteDaemon, type DaemonOptions } from './daemon/site-daemon.ts';
export type { ConnectionTiming } from './daemon/connection.ts';
export { Trainer } from './trainer/trainer.ts';
export type { DataSummary } from './trainer/messages.ts';
export { createLogger, silentLogger, type Logger, type LogFormat } from './log/logger.ts';
export { CliError, type ExitCode } from './errors.ts';
export { readEnv, type ClientEnv } from './env.ts';
