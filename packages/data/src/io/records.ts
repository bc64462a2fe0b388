import { createReadStream } from 'node:fs';
import { CsvError, parse, type Info } from 'csv-parse';
import { SiteDataError } from '../errors.ts';
import { detectDelimiter, type Delimiter } from './delimited.ts';
import { readLines, toSiteDataError } from './line-reader.ts';

/** One record of a delimited file: the line it starts on and its cells. */
export interface TextRecord {
  /** 1-based line where the record starts (a quoted cell may continue on later lines). */
  line: number;
  fields: string[];
}

/** A delimited file opened for reading: its delimiter and its records, header first. */
export interface RecordReader {
  delimiter: Delimiter;
  records: AsyncGenerator<TextRecord>;
}

/** A record longer than this is refused: almost always a quote that is never closed. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * Opens a CSV/TSV file for streaming, record by record, through csv-parse: RFC 4180 quoting
 * (quoted cells may span lines, as free-text notes do), an optional UTF-8 BOM, LF or CRLF.
 * Blank lines are skipped. Broken quoting throws a SiteDataError at the record's first line.
 */
export async function openRecords(file: string): Promise<RecordReader> {
  const delimiter = detectDelimiter(file, await firstLine(file));
  return { delimiter, records: readRecords(file, delimiter) };
}

async function firstLine(file: string): Promise<string> {
  if (/\.(csv|tsv|tab)$/i.test(file)) return '';
  for await (const { text } of readLines(file)) if (text.trim() !== '') return text;
  return '';
}

async function* readRecords(file: string, delimiter: Delimiter): AsyncGenerator<TextRecord> {
  const source = createReadStream(file, { highWaterMark: 1 << 20 });
  const parser = parse({
    delimiter,
    bom: true,
    info: true,
    record_delimiter: ['\r\n', '\n'],
    skip_empty_lines: true,
    relax_column_count: true,
    // A stray quote inside an unquoted cell (`5'10"`) is data, as in most exporters.
    relax_quotes: true,
    max_record_size: MAX_RECORD_BYTES,
  });
  // pipe() does not forward a read error (ENOENT, EACCES): hand it to the parser.
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  let last = { lines: 0, emptyLines: 0 };
  let parsedLines = 0;
  // csv-parse counts a CRLF inside a quoted cell as two lines; editors count one.
  let crlfInCells = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      const { record, info } = item;
      // Only a record that took several lines has line breaks in its cells worth counting.
      const spansLines = info.lines - parsedLines - (info.empty_lines - last.emptyLines) > 1;
      parsedLines = info.lines;
      if (spansLines) crlfInCells += count(record, '\r\n');
      const lines = info.lines - crlfInCells;
      last = { lines, emptyLines: info.empty_lines };
      if (record.length === 1 && record[0]?.trim() === '') continue; // a line of spaces
      yield { line: spansLines ? lines - count(record, '\n') : lines, fields: record };
    }
  } catch (error) {
    throw toRecordError({ file, error, last });
  } finally {
    source.destroy();
    parser.destroy();
  }
}

function count(fields: readonly string[], text: string): number {
  let n = 0;
  for (const f of fields) {
    for (let i = f.indexOf(text); i !== -1; i = f.indexOf(text, i + 1)) n += 1;
  }
  return n;
}

/** Maps a parser error to the line where the broken record starts. */
function toRecordError(options: {
  file: string;
  error: unknown;
  last: { lines: number; emptyLines: number };
}): SiteDataError {
  const { file, error, last } = options;
  if (!(error instanceof CsvError)) return toSiteDataError(file, error);
  const { code } = error;
  const csv = error as CsvError & Partial<Info>;
  // The broken record starts after the last good one and the blank lines skipped since.
  const line = last.lines + (csv.empty_lines ?? last.emptyLines) - last.emptyLines + 1;
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return new SiteDataError({
      file,
      line,
      reason: 'a quoted cell in this record is never closed (the rest of the file would be one cell)',
    });
  }
  if (code === 'CSV_MAX_RECORD_SIZE') {
    return new SiteDataError({
      file,
      line,
      reason: `record longer than ${MAX_RECORD_BYTES / (1024 * 1024)} MiB (a quote that is never closed?)`,
    });
  }
  return new SiteDataError({ file, line: csv.lines ?? line, reason: csv.message });
}
