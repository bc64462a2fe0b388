import { escapeUnsafeText } from '@fedfuse/protocol';

const HEAD = new Set(['level', 'time', 'msg']);

/**
 * One of the logger's JSON lines as text for a person at a terminal: `12:00:00 WARN  msg key=value`, an
 * error as its stack. Starts with \r and erase-line, so a line never lands in the middle of a progress bar.
 */
export function prettyLine(jsonLine: string): string {
  const entry = JSON.parse(jsonLine) as Record<string, unknown>;
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
  const level = String(entry.level).toUpperCase().padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key]) => !HEAD.has(key))
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  const text = [typeof entry.msg === 'string' ? entry.msg : '', ...fields].join(' ');
  // Values may come from the coordinator or the data: a newline in one must not start a forged line.
  return `\r\x1b[K${time} ${level} ${escapeUnsafeText(text)}\n`;
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return value;
  const error = value as { stack?: unknown } | null;
  if (typeof error?.stack === 'string') return error.stack;
  return JSON.stringify(value);
}
