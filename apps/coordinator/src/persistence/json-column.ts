import { formatIssues } from '@fedfuse/protocol';
import type { z } from 'zod';

/** A stored JSON column that does not parse or no longer fits its schema: names the table and column. */
export class CorruptColumnError extends Error {
  constructor(column: string, why: string) {
    super(`corrupt ${column}: ${why}`);
    this.name = 'CorruptColumnError';
  }
}

/**
 * Parses our own stored JSON with its schema instead of trusting it (`JSON.parse(x) as T`).
 * @example readJsonColumn(RoundMetrics, row.metrics, 'rounds.metrics')
 */
export function readJsonColumn<TSchema extends z.ZodType>(
  schema: TSchema,
  text: string,
  column: string,
): z.output<TSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CorruptColumnError(column, `not JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new CorruptColumnError(column, formatIssues(parsed.error.issues));
  return parsed.data;
}

/** Like readJsonColumn, with SQL NULL read as null. */
export function readNullableJsonColumn<TSchema extends z.ZodType>(
  schema: TSchema,
  text: string | null,
  column: string,
): z.output<TSchema> | null {
  return text === null ? null : readJsonColumn(schema, text, column);
}
