import { SiteDataError, type Rejection, type Source } from '../errors.ts';
import { parseColumnName, type ColumnName, type Delimiter } from './delimited.ts';
import { openRecords } from './records.ts';

/** A delimited file's header: its columns (name and unit) and where the id column is. */
export interface TableHeader {
  file: string;
  delimiter: Delimiter;
  columns: ColumnName[];
  idIndex: number;
}

/** One well-formed data row: its line, its patient id and its raw cells. */
export interface TableRow {
  line: number;
  id: string;
  fields: string[];
}

/** A small delimited file read whole (EHR, labels, manifest), malformed rows already rejected. */
export interface Table {
  header: TableHeader;
  rows: TableRow[];
  /** Data records seen (blank lines excluded), accepted or not. */
  records: number;
}

/** Options for {@link readTable}. */
export interface ReadTableOptions {
  file: string;
  source: Source;
  idColumn: string;
  reject: (r: Rejection) => void;
}

/**
 * Reads a delimited file with a patient id column record by record. Rows with the wrong number
 * of cells or a blank id are rejected (at the line the record starts); broken quoting and a
 * missing id column are file-level.
 */
export async function readTable(options: ReadTableOptions): Promise<Table> {
  const { file, source, reject } = options;
  const { delimiter, records: input } = await openRecords(file);
  let header: TableHeader | undefined;
  const rows: TableRow[] = [];
  let records = 0;
  for await (const { line, fields } of input) {
    if (!header) {
      header = parseHeader({ file, delimiter, fields, line, idColumn: options.idColumn });
      continue;
    }
    records += 1;
    if (fields.length !== header.columns.length) {
      const id = fields[header.idIndex]?.trim();
      const reason = `expected ${header.columns.length} cells, found ${fields.length}`;
      reject(id ? { source, file, line, patientId: id, reason } : { source, file, line, reason });
      continue;
    }
    const id = (fields[header.idIndex] ?? '').trim();
    if (id === '') {
      reject({ source, file, line, reason: `blank ${header.columns[header.idIndex]?.name ?? 'id'}` });
      continue;
    }
    rows.push({ line, id, fields });
  }
  if (!header) throw new SiteDataError({ file, reason: 'empty file: expected a header row' });
  return { header, rows, records };
}

function parseHeader(options: {
  file: string;
  delimiter: Delimiter;
  fields: string[];
  line: number;
  idColumn: string;
}): TableHeader {
  const { file, delimiter, line, idColumn } = options;
  const columns = options.fields.map(parseColumnName);
  const want = idColumn.toLowerCase();
  const idIndex = columns.findIndex((c) => c.name.toLowerCase() === want);
  if (idIndex === -1) {
    const found = columns.map((c) => c.name).join(', ');
    throw new SiteDataError({
      file,
      line,
      reason: `no '${idColumn}' column in the header (found: ${found})`,
    });
  }
  const seen = new Map<string, number>();
  columns.forEach((c, i) => {
    const first = seen.get(c.name);
    if (first !== undefined) {
      throw new SiteDataError({
        file,
        line,
        reason: `column '${c.name}' appears twice (columns ${first + 1} and ${i + 1})`,
      });
    }
    seen.set(c.name, i);
  });
  return { file, delimiter, columns, idIndex };
}

/**
 * Rejects every row of an id that appears more than once: which copy is right is unknowable,
 * so keeping either would load a guess. Returns the rows with a unique id.
 */
export function dropDuplicateIds<T extends { line: number; id: string }>(
  rows: readonly T[],
  options: { file: string; source: Source; idColumn: string; reject: (r: Rejection) => void },
): T[] {
  const lines = new Map<string, number[]>();
  for (const row of rows) {
    const list = lines.get(row.id);
    if (list) list.push(row.line);
    else lines.set(row.id, [row.line]);
  }
  return rows.filter((row) => {
    const list = lines.get(row.id) ?? [];
    if (list.length === 1) return true;
    const others = list.filter((l) => l !== row.line).join(', ');
    options.reject({
      source: options.source,
      file: options.file,
      line: row.line,
      patientId: row.id,
      reason: `duplicate ${options.idColumn} '${row.id}' (also on line ${others}); all copies rejected`,
    });
    return false;
  });
}

/**
 * Refuses a file in which too many rows were rejected: that is almost always a wrong
 * delimiter, encoding or export, and training on the remainder would be silently biased.
 */
export function assertRejectedFraction(options: {
  file: string;
  records: number;
  rejected: Rejection[];
  max: number;
}): void {
  const { file, records, rejected, max } = options;
  if (records === 0 || rejected.length === 0 || rejected.length / records <= max) return;
  const first = rejected[0];
  const example = first ? ` (first: line ${first.line ?? '?'}: ${first.reason})` : '';
  throw new SiteDataError({
    file,
    reason: `${rejected.length} of ${records} rows rejected, more than the allowed ${Math.round(max * 100)}%${example}`,
  });
}
