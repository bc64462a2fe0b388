import { extname } from 'node:path';

/** Field separator of a delimited text file. */
export type Delimiter = ',' | '\t';

/**
 * Picks the delimiter: `.tsv`/`.tab`/`.txt` mean tab, `.csv` means comma, otherwise
 * the header decides (a tab anywhere in it means tab).
 */
export function detectDelimiter(file: string, header: string): Delimiter {
  const ext = extname(file).toLowerCase();
  if (ext === '.tsv' || ext === '.tab') return '\t';
  if (ext === '.csv') return ',';
  return header.includes('\t') ? '\t' : ',';
}

/** A header cell split into its name and an optional unit, e.g. `glucose [mg/dL]`. */
export interface ColumnName {
  name: string;
  unit?: string;
}

/** Parses `name [unit]` header cells; the unit is kept for the report, the name is the feature. */
export function parseColumnName(cell: string): ColumnName {
  const trimmed = cell.trim();
  const match = /^(.*?)\s*\[([^\]]*)\]$/.exec(trimmed);
  if (match?.[1] === undefined || match[1] === '') return { name: trimmed };
  return { name: match[1], unit: match[2] ?? '' };
}
