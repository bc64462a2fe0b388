import { z } from 'zod';
import { closestName } from './closest-name.ts';

/**
 * A mapping that refuses keys it does not declare: a misspelt key must not be silently ignored.
 * Its message names the nearest declared key and every allowed one (the caller names the key).
 */
export function strictMapping<TShape extends z.core.$ZodLooseShape>(shape: TShape) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const key = issue.keys[0] ?? '';
        const near = closestName(key, allowed);
        const hint = near === undefined ? '' : `did you mean '${near}'? `;
        return `(${hint}allowed: ${allowed.join(', ')})`;
      }
      return 'must be a mapping of keys to values';
    },
  });
}

/** A non-empty string; a YAML number (`site: 12`, `tasks: [1, 2]`) is taken as its text. */
export const text = z
  .union([z.string(), z.number()], { error: 'must be a non-empty string' })
  .transform(String)
  .refine((s) => s.trim() !== '', { error: 'must be a non-empty string' });

/** A list of non-empty strings in which no item appears twice. */
export const uniqueList = z.array(text, { error: 'must be a list of strings' }).superRefine((items, ctx) => {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item)) ctx.addIssue({ code: 'custom', message: `names '${item}' twice` });
    seen.add(item);
  }
});

/** One of `values`, named in the message when the value is anything else. */
export function choice<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) => `must be one of ${values.join(', ')}, got ${JSON.stringify(issue.input)}`,
  });
}

/** A YAML key that may be left empty (`labels:` with nothing after it reads as null). */
export function optional<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v) => v ?? undefined);
}
