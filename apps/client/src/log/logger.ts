import { createLogger as createPinoLogger, type Level, type LogFormat } from '@fedfuse/log';

export type { LogFormat };

/** Severity of a log line. */
export type LogLevel = Extract<Level, 'debug' | 'info' | 'warn' | 'error'>;

/** Extra structured fields of a log line; an Error under `err` is written with its stack. */
export type LogFields = Record<string, unknown>;

/** The daemon's logging port: a message first, then its fields (the shared pino logger underneath). */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Where and how a logger writes. */
export interface LoggerOptions {
  /** Default: pretty on a terminal, JSON lines anywhere else. */
  format?: LogFormat;
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Lines below this level are dropped (default `info`). */
  level?: LogLevel;
  /** Clock, for tests. */
  now?: () => Date;
}

/** A logger writing @fedfuse/log's lines (`level`, `time`, fields, `msg`) or pretty text. */
export function createLogger(options: LoggerOptions): Logger {
  const log = createPinoLogger(options);
  const at =
    (level: LogLevel) =>
    (msg: string, fields: LogFields = {}): void => {
      log[level](fields, msg);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that drops everything (library use without output). */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
