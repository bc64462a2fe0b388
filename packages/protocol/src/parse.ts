import type { z } from 'zod';

import type { Ack } from './errors.ts';
import { fail } from './errors.ts';

/** How many issues a message lists before summarising the rest; a hostile payload can have thousands. */
const MAX_LISTED_ISSUES = 5;

/** Render a zod issue path the way a developer would write it: `config.epochs`, `tasks.auc.positives[3]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** The issue's own message, with the detail zod keeps nested for record keys and unions. */
function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key' && issue.issues[0]) return `invalid key: ${issue.issues[0].message}`;
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const options = issue.errors.map((branch) => {
      const first = branch[0];
      if (!first) return 'unknown';
      return first.path.length > 0 ? `${formatPath(first.path)}: ${first.message}` : first.message;
    });
    return `matches no allowed form (${options.slice(0, 3).join(' | ')})`;
  }
  return issue.message;
}

/** One readable line per issue, each naming the field path (below `under` when the value was a field). */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  under: readonly PropertyKey[] = [],
): string {
  const lines = issues
    .slice(0, MAX_LISTED_ISSUES)
    .map((i) => `${formatPath([...under, ...i.path])}: ${describe(i)}`);
  const more = issues.length - MAX_LISTED_ISSUES;
  if (more > 0) lines.push(`(and ${more} more)`);
  return lines.join('; ');
}

/**
 * Validate `raw` against `schema` and never throw: a malformed payload becomes an `invalid_payload` Ack
 * whose message names the offending field path.
 * @example const res = parseOrError(FitRes, raw); if (!res.ok) return res;
 */
export function parseOrError<TSchema extends z.ZodType>(
  schema: TSchema,
  raw: unknown,
): Ack<z.output<TSchema>> {
  try {
    const res = schema.safeParse(raw);
    if (res.success) return { ok: true, data: res.data };
    return fail('invalid_payload', formatIssues(res.error.issues));
  } catch (err) {
    // zod does not catch what a hostile object throws from a getter or proxy trap; that is still bad input.
    const why = err instanceof Error ? err.message : 'unreadable value';
    return fail('invalid_payload', `(root): payload could not be read (${why.slice(0, 200)})`);
  }
}
