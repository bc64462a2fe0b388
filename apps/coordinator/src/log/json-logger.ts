import type { LoggerService, LogLevel } from '@nestjs/common';
import { createLogger, type Level, type Logger } from '@fedfuse/log';

/** Nest's levels as the shared logger's (`log` is pino's `info`). */
const PINO_LEVEL: Record<LogLevel, Level> = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

const text = (value: unknown): string =>
  typeof value === 'string' ? value : value instanceof Error ? value.message : JSON.stringify(value);

/** A plain object logged as a message keeps its fields as fields of the line, not as a quoted string. */
const isFields = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !(value instanceof Error) && !Array.isArray(value);

/**
 * Nest's logger over the shared pino logger (@fedfuse/log): every line the coordinator logs is one JSON
 * object off a terminal (W4), an object message keeps its fields, and an error keeps its stack.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private levels: readonly LogLevel[] = ['log', 'warn', 'error'],
    // Nest filters by its own list of levels, so pino passes everything through.
    private readonly logger: Logger = createLogger({ level: 'trace' }),
  ) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }
  setLogLevels(levels: LogLevel[]): void {
    this.levels = levels;
  }

  /** Nest passes the context last (`logger.error(message, stack?, context)`). */
  private write(level: LogLevel, message: unknown, params: unknown[]): void {
    if (!this.levels.includes(level)) return;
    const rest = [...params];
    const context = rest.length > 0 && typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const traced = level === 'error' || level === 'fatal';
    const stack: unknown = traced ? rest.find((p) => typeof p === 'string') : undefined;
    const fields = isFields(message) ? message : {};
    const msg = isFields(message) ? text(message.msg ?? message.event ?? '') : text(message);
    this.logger[PINO_LEVEL[level]](
      {
        ...fields,
        ...(context ? { context } : {}),
        ...(message instanceof Error ? { err: message } : {}),
        ...(typeof stack === 'string' ? { stack } : {}),
      },
      msg,
    );
  }
}
