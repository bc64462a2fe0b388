import { createLogger, type CreateLoggerArgs } from '@fedfuse/log';

/**
 * The simulator's progress lines through the shared logger: pretty on a terminal, JSON lines anywhere else.
 * The blank lines that set sections apart on a terminal are layout, not part of a message.
 */
export function progressLog(args: CreateLoggerArgs = {}): (line: string) => void {
  const logger = createLogger({ base: { context: 'fedfuse-sim' }, ...args });
  return (line) => logger.info(line.replace(/^\n+|\n+$/g, ''));
}
