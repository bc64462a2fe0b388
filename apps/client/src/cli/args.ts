import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { usageError } from '../errors.ts';
import type { CliIo } from './cli-io.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags of one command (strings and booleans by name). */
export type Flags = Record<string, string | boolean | undefined>;

/**
 * Parse `argv` strictly against `options` (plus --help): unknown flags, missing values and positionals
 * become one-line usage errors (exit 2).
 */
export function parseFlags(argv: string[], options: Options): Flags {
  const all = { ...options, help: { type: 'boolean' as const, short: 'h' } };
  try {
    const { values } = parseArgs({
      args: attachDashValues(argv, all),
      options: all,
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (err) {
    // node:util appends advice about '--' to unknown-option errors; the first sentence is the useful part.
    const message = err instanceof Error ? err.message : String(err);
    throw usageError((message.split(/\.\s/)[0] ?? message).replace(/\.$/, ''));
  }
}

/**
 * `--token -Xy…` → `--token=-Xy…`: a value may start with '-' (a base64url token does one time in 32), which
 * node:util calls ambiguous. Only when the next argument is not itself one of the command's flags.
 */
function attachDashValues(argv: string[], options: Options): string[] {
  const flags = new Set(
    Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]),
  );
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const option = arg.startsWith('--') ? options[arg.slice(2)] : undefined;
    if (
      option?.type === 'string' &&
      next?.startsWith('-') &&
      next !== '--' &&
      !flags.has(next.split('=')[0]!)
    ) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** The value of a string flag, or undefined. */
export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw usageError(`--${name} needs a value`);
  return value;
}

/** The value of a required string flag. */
export function requiredFlag(flags: Flags, name: string): string {
  const value = stringFlag(flags, name);
  if (value === undefined) throw usageError(`--${name} is required`);
  return value;
}

/** One of `choices`, or `fallback` when the flag is absent. */
export function choiceFlag<T extends string>(
  flags: Flags,
  o: { name: string; choices: readonly T[]; fallback: T },
): T {
  const value = stringFlag(flags, o.name);
  if (value === undefined) return o.fallback;
  if (!(o.choices as readonly string[]).includes(value)) {
    throw usageError(`--${o.name} must be one of ${o.choices.join(', ')}, not "${value}"`);
  }
  return value as T;
}

/** A positive integer flag (milliseconds, counts), or `fallback`. */
export function intFlag(
  flags: Flags,
  o: { name: string; fallback: number; min?: number; max?: number },
): number {
  const value = stringFlag(flags, o.name);
  if (value === undefined) return o.fallback;
  const n = Number(value);
  const min = o.min ?? 1;
  const max = o.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(n) || n < min || n > max)
    throw usageError(`--${o.name} must be an integer in ${min}..${max}, not "${value}"`);
  return n;
}

/** The site folder: --dir, else FEDFUSE_DIR, else the working directory. */
export function siteDir(flags: Flags, io: CliIo): string {
  return resolve(io.cwd, stringFlag(flags, 'dir') ?? io.env.FEDFUSE_DIR ?? '.');
}
