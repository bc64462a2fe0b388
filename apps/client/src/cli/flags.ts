import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';

import { usageError } from '../errors.ts';
import { parseThreads } from '../trainer/threads.ts';
import type { CliIo } from './cli-io.ts';

/** A flag taking a value (`'--dir <DIR>'`); an empty value is refused. */
export function textFlag(flags: string, help: string): Option {
  return new Option(flags, help).argParser(nonEmpty);
}

/** A flag taking an integer in `min..max`. */
export function intFlag(flags: string, help: string, range: { min: number; max: number }): Option {
  return new Option(flags, help).argParser((value: string) => {
    const n = Number(nonEmpty(value));
    if (!Number.isInteger(n) || n < range.min || n > range.max)
      throw new InvalidArgumentError(`Expected an integer in ${range.min}..${range.max}.`);
    return n;
  });
}

/** A flag taking one of `choices`; commander lists them in the help and in the error. */
/** `--threads <N|auto>`: a bad value is reported as commander reports other flags'. */
export function threadsFlag(help: string): Option {
  return new Option('--threads <N|auto>', help).argParser((value: string) => {
    try {
      return parseThreads(value);
    } catch (err) {
      throw new InvalidArgumentError(`It ${(err as Error).message}.`);
    }
  });
}

export function choiceFlag(flags: string, help: string, choices: readonly string[]): Option {
  return new Option(flags, help).choices(choices);
}

function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('It needs a value.');
  return value;
}

/**
 * A preAction hook: commander takes the argument after a value flag as its value even when it starts with
 * '-' (a base64url token does one time in 32), so `--dir --json` would read '--json' as the folder. A
 * value that is one of the command's own flags means the value was forgotten.
 */
export function refuseFlagsAsValues(_program: Command, command: Command): void {
  const names = new Set(command.options.flatMap((o) => [o.long, o.short]));
  names.add('--help').add('-h');
  for (const option of command.options) {
    const value: unknown = command.getOptionValue(option.attributeName());
    if (typeof value === 'string' && names.has(value.split('=')[0]))
      throw usageError(`option '${option.flags}' argument missing`);
  }
}

/** `value`, or a usage error saying that `flag` is required. */
export function requiredFlag<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw usageError(`${flag} is required`);
  return value;
}

/** The site folder: --dir, else FEDFUSE_DIR, else the working directory. */
export function siteDir(dir: string | undefined, io: CliIo): string {
  return resolve(io.cwd, dir ?? io.env.FEDFUSE_DIR ?? '.');
}

/** `evaluate --recalibrate-on`: the split the site's intercepts are refitted on, or none. */
export const RECALIBRATION_CHOICES = ['train', 'validation', 'none'] as const;
export type RecalibrationChoice = (typeof RECALIBRATION_CHOICES)[number];
