import type { z } from 'zod';
import { formatIssues } from '@fedfuse/protocol';

/** Where a stored value came from: table, row id and column. */
export interface ColumnRef {
  table: string;
  id: string;
  column: string;
}

/** A stored JSON column that does not parse or does not match its schema: names the column and the row. */
export class CorruptColumnError extends Error {
  constructor(
    readonly ref: ColumnRef,
    detail: string,
  ) {
    super(`${ref.table}.${ref.column} of ${ref.id} is corrupt: ${detail}`);
    this.name = CorruptColumnError.name;
  }
}

/** Parses a JSON column and checks it with `schema`, or throws CorruptColumnError. */
export function parseColumn<TSchema extends z.ZodType>(
  ref: ColumnRef,
  text: string,
  schema: TSchema,
): z.infer<TSchema> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CorruptColumnError(ref, `not JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new CorruptColumnError(ref, formatIssues(parsed.error.issues));
}
