import { formatPath } from '@fedfuse/protocol';
import { isMap, isScalar, type Document, type LineCounter } from 'yaml';
import type { z } from 'zod';
import { SiteDataError } from '../errors.ts';

/** The 1-based line of a config key (or of the mapping that lacks it), when known. */
export type LineOf = (path: readonly PropertyKey[], key?: string) => number | undefined;

/** Finds lines in a parsed YAML document: the key's own line, else its nearest enclosing one. */
export function yamlLines(doc: Document, counter: LineCounter): LineOf {
  return (path, key) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const at = path.slice(0, depth);
      const node = at.length === 0 ? doc.contents : doc.getIn(at, true);
      if (key !== undefined && depth === path.length && isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === key);
        const start = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
        if (start !== undefined) return counter.linePos(start).line;
      }
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) return counter.linePos(range[0]).line;
    }
    return undefined;
  };
}

/** The issue to report first: a misspelt key explains the "required" issue it causes. */
export function firstIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  return issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
}

/**
 * Turns a schema issue into a SiteDataError naming the file, the line and the key path:
 * `site.yaml:4: 'imaging.size' must be [height, width] or [height, width, channels]`.
 */
export function configError(o: {
  file: string;
  issue: z.core.$ZodIssue;
  value: unknown;
  lineOf: LineOf | undefined;
}): SiteDataError {
  const { file, issue } = o;
  if (issue.code === 'unrecognized_keys') {
    const key = String(issue.keys[0] ?? '');
    const line = o.lineOf?.(issue.path, key);
    const reason = `unknown key '${formatPath([...issue.path, key])}' ${issue.message}`;
    return new SiteDataError(line === undefined ? { file, reason } : { file, line, reason });
  }
  const where = issue.path.length === 0 ? 'the config' : `'${formatPath(issue.path)}'`;
  const missing = issue.code !== 'custom' && issue.path.length > 0 && valueAt(o.value, issue.path) == null;
  const reason = `${where} ${missing ? 'is required' : issue.message}`;
  const line = o.lineOf?.(issue.path);
  return new SiteDataError(line === undefined ? { file, reason } : { file, line, reason });
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
