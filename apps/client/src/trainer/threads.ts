import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** client.yaml's `threads`: `auto` (one per core) or a whole number of training threads. */
export const ThreadsSetting = z.custom<'auto' | number>(
  (value) => value === 'auto' || (typeof value === 'number' && Number.isInteger(value) && value >= 1),
  { error: (issue) => `must be auto or a whole number of threads ≥ 1, got ${JSON.stringify(issue.input)}` },
);
export type ThreadsSetting = z.infer<typeof ThreadsSetting>;

/** The `--threads` flag's value: `auto` or a whole number ≥ 1; throws a message naming what is wrong. */
export function parseThreads(text: string): ThreadsSetting {
  const value = text.trim() === 'auto' ? 'auto' : /^\d+$/.test(text.trim()) ? Number(text) : text;
  const parsed = ThreadsSetting.safeParse(value);
  if (!parsed.success) throw new Error(parsed.error.issues[0]!.message);
  return parsed.data;
}

/** Training threads for a setting: `auto` is the cores this process may use. */
export function resolveThreads(setting: ThreadsSetting, cores: number = availableParallelism()): number {
  return setting === 'auto' ? cores : setting;
}
