import { readFile } from 'node:fs/promises';
import { AccountedRound } from '@fedfuse/protocol';
import { z } from 'zod';

import { isNotFound, writeFileAtomic } from './atomic-file.ts';

/** One run's privacy as this site accounted it: the rounds it was asked to train and the ε they make. */
const RunBudget = z.object({
  delta: z.number().gt(0).lt(1),
  rounds: z.array(AccountedRound),
  epsilon: z.number().nonnegative(),
  /** The site's maxEpsilon when it last accounted the run (null: none set). */
  maxEpsilon: z.number().positive().nullable(),
  updatedAt: z.int(),
});
export type RunBudget = z.infer<typeof RunBudget>;

const LedgerFile = z.object({ version: z.literal(1), runs: z.record(z.string(), RunBudget) });

/**
 * `privacy.json`: the site's own account of the privacy each run spent, from the rounds' parameters it was
 * sent (never the coordinator's ε). Read once at start; the policy checks it synchronously on round:start.
 */
export class PrivacyLedger {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly runs: Map<string, RunBudget>,
  ) {}

  /** Loads the ledger; a missing file is empty, a damaged one an error (a budget must not reset silently). */
  static async open(path: string): Promise<PrivacyLedger> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (isNotFound(err)) return new PrivacyLedger(path, new Map());
      throw err;
    }
    const parsed = LedgerFile.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new Error(`${path} is damaged (${parsed.error.issues[0]?.message}); restore it from a backup`);
    return new PrivacyLedger(path, new Map(Object.entries(parsed.data.runs)));
  }

  /** What the site recorded for a run. */
  get(runId: string): RunBudget | undefined {
    return this.runs.get(runId);
  }

  /** Every run's budget, for `status`. */
  all(): [string, RunBudget][] {
    return [...this.runs.entries()];
  }

  /** Records a run's budget after accepting a round, written atomically in order. */
  record(runId: string, budget: RunBudget): Promise<void> {
    this.runs.set(runId, budget);
    const text = `${JSON.stringify({ version: 1, runs: Object.fromEntries(this.runs) }, null, 2)}\n`;
    const done = this.queue.then(() => writeFileAtomic(this.path, text));
    this.queue = done.catch(() => undefined);
    return done;
  }
}
