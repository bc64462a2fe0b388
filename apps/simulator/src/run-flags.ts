import { Option, type Command } from 'commander';

import type { RunFlag } from './options.ts';

/** A commander option for a declared flag: numbers parsed (a bad one reaches validation as NaN), switches bare. */
export function commanderOption(flag: RunFlag): Option {
  const syntax = flag.kind === 'switch' ? `--${flag.flag}` : `--${flag.flag} <${flag.value ?? 'VALUE'}>`;
  const option = new Option(syntax, flag.help);
  return flag.kind === 'number' ? option.argParser(Number) : option;
}

/** The declared flags' values, keyed by the option each sets; flags not given are left out. */
export function flagValues(
  command: Command,
  flags: readonly RunFlag[],
): Partial<Record<RunFlag['key'], unknown>> {
  const values = command.opts<Record<string, unknown>>();
  const given = flags.map((f) => [f.key, values[new Option(`--${f.flag}`).attributeName()]] as const);
  return Object.fromEntries(given.filter(([, value]) => value !== undefined));
}
