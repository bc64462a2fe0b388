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

/** Result of splitting one line: fields, or why the line is malformed. */
export type SplitResult = { ok: true; fields: string[] } | { ok: false; reason: string };

/**
 * Splits one line into fields (RFC 4180 quoting with `""` escapes). Quoted fields may not
 * span lines: every record is one physical line, so line numbers in reports stay exact.
 */
export function splitFields(text: string, delimiter: Delimiter): SplitResult {
  if (!text.includes('"')) return { ok: true, fields: text.split(delimiter) };
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) return { ok: false, reason: 'unterminated quoted field' };
        value += text.slice(j, q);
        if (text[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      if (j < text.length && text[j] !== delimiter) {
        return { ok: false, reason: `unexpected character after closing quote at column ${j + 1}` };
      }
      fields.push(value);
      if (j >= text.length) return { ok: true, fields };
      i = j + 1;
    } else {
      const d = text.indexOf(delimiter, i);
      if (d === -1) {
        fields.push(text.slice(i));
        return { ok: true, fields };
      }
      fields.push(text.slice(i, d));
      i = d + 1;
    }
  }
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
