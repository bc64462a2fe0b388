/** Cell values read as "missing" unless a site config says otherwise. */
export const DEFAULT_MISSING_VALUES: readonly string[] = ['', 'NA', 'N/A', 'NaN', 'null', 'NULL'];

/** A parsed numeric cell: a finite number, missing, or invalid. */
export type NumberCell = { kind: 'number'; value: number } | { kind: 'missing' } | { kind: 'invalid' };

const RADIX_PREFIX = /^[+-]?0[xXoObB]/;

/**
 * Parses a decimal number strictly: `Number()` alone would accept `''`, `'0x1F'` and
 * `'Infinity'`, which in a lab value are typos, not numbers.
 */
export function parseNumberCell(raw: string, missing: ReadonlySet<string>): NumberCell {
  const text = raw.trim();
  if (missing.has(text)) return { kind: 'missing' };
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || RADIX_PREFIX.test(text)) return { kind: 'invalid' };
  return { kind: 'number', value };
}

/** Quotes a cell for error messages, shortening long ones. */
export function quoteCell(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 37)}...` : raw);
}
