import { escapeUnsafeText } from '@fedfuse/protocol';
import { pino, stdSerializers, type DestinationStream, type Level, type Logger } from 'pino';

import { prettyLine } from './pretty-line.ts';

/** How lines are written: one JSON object per line, or human-readable text for a terminal. */
export type LogFormat = 'json' | 'pretty';

/** Where and how a logger writes. */
export interface CreateLoggerArgs {
  /** Default: standard output. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Default: `pretty` on a terminal, `json` anywhere else. */
  format?: LogFormat;
  /** Lines below this level are dropped (default `info`). */
  level?: Level;
  /** Fields on every line (e.g. `{ context: 'fedfuse-coordinator' }`). */
  base?: Record<string, unknown>;
  /** Clock, for tests. */
  now?: () => Date;
}

/**
 * The one logger of every FedFuse app: pino, with `level` as a word, an ISO `time`, errors under `err`
 * with their stack, and no raw control or bidi character, so no value can start or reorder a line.
 * @example createLogger({ base: { context: 'fedfuse-client' } }).warn({ roundId }, 'round refused')
 */
export function createLogger(args: CreateLoggerArgs = {}): Logger {
  const stream = args.stream ?? process.stdout;
  const format = args.format ?? (stream.isTTY ? 'pretty' : 'json');
  const now = args.now ?? (() => new Date());
  // A plain write target: pino formats in this thread, so no transport worker or extra process starts.
  const destination: DestinationStream = {
    write: (line: string) => {
      stream.write(format === 'json' ? `${escapeUnsafeText(line.trimEnd())}\n` : prettyLine(line));
    },
  };
  return pino(
    {
      level: args.level ?? 'info',
      base: args.base ?? null,
      timestamp: () => `,"time":"${now().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: stdSerializers.err },
    },
    destination,
  );
}
