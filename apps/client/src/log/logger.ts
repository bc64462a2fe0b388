import { escapeUnsafeText } from '@fedfuse/protocol';

/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Extra structured fields of a log line. */
export type LogFields = Record<string, unknown>;

/** How log lines are written: one JSON object per line, or human-readable text. */
export type LogFormat = 'json' | 'pretty';

/** Structured logger: every line has a timestamp, a level, a message and fields. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Where and how a logger writes. */
export interface LoggerOptions {
  format: LogFormat;
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Lines below this level are dropped (default `info`). */
  level?: LogLevel;
  /** Clock, for tests. */
  now?: () => Date;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A logger writing JSON lines (`ts`, `level`, `msg`, fields) or pretty text. */
export function createLogger(options: LoggerOptions): Logger {
  const min = RANK[options.level ?? 'info'];
  const now = options.now ?? (() => new Date());
  const write = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (RANK[level] < min) return;
    const ts = now();
    options.stream.write(
      options.format === 'json'
        ? jsonLine({ ts, level, msg, fields })
        : prettyLine({ ts, level, msg, fields }),
    );
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

interface Line {
  ts: Date;
  level: LogLevel;
  msg: string;
  fields: LogFields;
}

const RESERVED = new Set(['ts', 'level', 'msg']);

function jsonLine(line: Line): string {
  // ts, level and msg come first and a field of the same name cannot overwrite them.
  const fields = Object.entries(line.fields).filter(([k]) => !RESERVED.has(k));
  const head = { ts: line.ts.toISOString(), level: line.level, msg: line.msg };
  // JSON escapes newlines; bidi and C1 controls it leaves raw, and they can still reorder what a reader sees.
  return `${escapeUnsafeText(JSON.stringify({ ...head, ...Object.fromEntries(fields) }, replacer))}\n`;
}

function prettyLine(line: Line): string {
  const time = line.ts.toISOString().slice(11, 19);
  const extras = Object.entries(line.fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, replacer)}`)
    .join(' ');
  // \r + erase-line first, so a line never lands in the middle of a progress bar.
  // Values may come from the coordinator or the data: a newline in one must not start a forged line.
  const text = escapeUnsafeText(`${line.msg}${extras ? ` ${extras}` : ''}`);
  return `\r\x1b[K${time} ${line.level.toUpperCase().padEnd(5)} ${text}\n`;
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A logger that drops everything (library use without output). */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
