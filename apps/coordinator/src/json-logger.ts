import type { LoggerService, LogLevel } from '@nestjs/common';
import { escapeUnsafeText } from '@fedfuse/protocol';

/** One log line: time, level, where it comes from and the message, plus a stack for errors. */
export interface LogEntry {
  level: LogLevel;
  context?: string;
  msg: string;
  stack?: string;
  /** Fields of a structured message (`logger.warn({ msg, address, ... })`). */
  [field: string]: unknown;
}

/**
 * Writes `entry` as one JSON object on one line. JSON escapes newlines; bidi and C1 controls it leaves raw
 * are escaped too, so no value a site or an operator chose can start a line of its own or reorder one.
 */
export function writeLogLine(entry: LogEntry, stream: NodeJS.WritableStream = process.stdout): void {
  const line = JSON.stringify({ time: new Date().toISOString(), ...entry });
  stream.write(`${escapeUnsafeText(line)}\n`);
}

const text = (value: unknown): string =>
  typeof value === 'string' ? value : value instanceof Error ? value.message : JSON.stringify(value);

/** A plain object logged as a message keeps its fields as fields of the line, not as a quoted string. */
const isFields = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !(value instanceof Error) && !Array.isArray(value);

/** Nest's logger, structured: every line the coordinator logs is a JSON object (`writeLogLine`). */
export class JsonLogger implements LoggerService {
  constructor(private levels: readonly LogLevel[] = ['log', 'warn', 'error']) {}

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
    const trace = typeof stack === 'string' ? stack : message instanceof Error ? message.stack : undefined;
    const fields = isFields(message) ? message : {};
    writeLogLine({
      ...fields,
      level,
      ...(context ? { context } : {}),
      msg: isFields(message) ? text(message.msg ?? message.event ?? '') : text(message),
      ...(trace ? { stack: trace } : {}),
    });
  }
}
