import { createReadStream } from 'node:fs';
import { SiteDataError } from '../errors.ts';

/** One physical line of a text file, without its line terminator. */
export interface TextLine {
  /** 1-based line number, as editors show it. */
  line: number;
  text: string;
}

/**
 * Streams a text file line by line (LF or CRLF, UTF-8, BOM stripped) without holding
 * the whole file: only one chunk and the current partial line are in memory.
 */
export async function* readLines(file: string): AsyncGenerator<TextLine> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let pending = '';
  let line = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      let text = line === 0 && pending === '' && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
      if (pending !== '') text = pending + text;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        line += 1;
        yield { line, text: stripCr(text.slice(start, nl)) };
        start = nl + 1;
      }
      pending = text.slice(start);
    }
  } catch (error) {
    throw toSiteDataError(file, error);
  }
  if (pending !== '') yield { line: line + 1, text: stripCr(pending) };
}

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** Turns a Node file-system error into a SiteDataError that names the file. */
export function toSiteDataError(file: string, error: unknown): SiteDataError {
  if (error instanceof SiteDataError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new SiteDataError({ file, reason: 'file not found' });
  if (code === 'EISDIR') return new SiteDataError({ file, reason: 'is a directory, expected a file' });
  if (code === 'EACCES') return new SiteDataError({ file, reason: 'permission denied' });
  return new SiteDataError({ file, reason: `cannot read file: ${(error as Error).message}` });
}
