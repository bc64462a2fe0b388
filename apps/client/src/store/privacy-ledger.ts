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

/** One round of record-level DP-SGD this site accepted: what its accountant steps are made of. */
const RecordLevelRound = z.object({
  round: z.int().min(1),
  epochs: z.int().min(1),
  batchSize: z.int().min(1),
  datasetSize: z.int().min(1),
  noiseMultiplier: z.number().positive(),
});
export type RecordLevelRound = z.infer<typeof RecordLevelRound>;

/** One run's record-level (per-patient) privacy at this site, accounted apart from the client-level one. */
const RecordLevelBudget = z.object({
  delta: z.number().gt(0).lt(1),
  rounds: z.array(RecordLevelRound),
  epsilon: z.number().nonnegative(),
  maxEpsilon: z.number().positive().nullable(),
  updatedAt: z.int(),
});
export type RecordLevelBudget = z.infer<typeof RecordLevelBudget>;

const LedgerFile = z.object({
  version: z.literal(1),
  runs: z.record(z.string(), RunBudget),
  /** Absent from ledgers written before record-level DP-SGD. */
  recordLevel: z.record(z.string(), RecordLevelBudget).optional(),
});

/**
 * `privacy.json`: the site's own account of the privacy each run spent, from the rounds' parameters it was
 * sent (never the coordinator's ε). Read once at start; the policy checks it synchronously on round:start.
 */
export class PrivacyLedger {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly runs: Map<string, RunBudget>,
    private readonly recordLevelRuns: Map<string, RecordLevelBudget>,
  ) {}

  /** Loads the ledger; a missing file is empty, a damaged one an error (a budget must not reset silently). */
  static async open(path: string): Promise<PrivacyLedger> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (isNotFound(err)) return new PrivacyLedger(path, new Map(), new Map());
      throw err;
    }
    const parsed = LedgerFile.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new Error(`${path} is damaged (${parsed.error.issues[0]?.message}); restore it from a backup`);
    const { runs, recordLevel } = parsed.data;
    return new PrivacyLedger(path, new Map(Object.entries(runs)), new Map(Object.entries(recordLevel ?? {})));
  }

  /** What the site recorded for a run. */
  get(runId: string): RunBudget | undefined {
    return this.runs.get(runId);
  }

  /** Every run's budget, for `status`. */
  all(): [string, RunBudget][] {
    return [...this.runs.entries()];
  }

  /** What the site recorded of a run's record-level DP-SGD. */
  getRecordLevel(runId: string): RecordLevelBudget | undefined {
    return this.recordLevelRuns.get(runId);
  }

  /** Every run's record-level budget, for `status`. */
  allRecordLevel(): [string, RecordLevelBudget][] {
    return [...this.recordLevelRuns.entries()];
  }

  /** Records a run's budget after accepting a round, written atomically in order. */
  record(runId: string, budget: RunBudget): Promise<void> {
    this.runs.set(runId, budget);
    return this.write();
  }

  /** Records a run's record-level budget after accepting a round, written atomically in order. */
  recordRecordLevel(runId: string, budget: RecordLevelBudget): Promise<void> {
    this.recordLevelRuns.set(runId, budget);
    return this.write();
  }

  private write(): Promise<void> {
    const file = {
      version: 1,
      runs: Object.fromEntries(this.runs),
      ...(this.recordLevelRuns.size > 0 ? { recordLevel: Object.fromEntries(this.recordLevelRuns) } : {}),
    };
    const text = `${JSON.stringify(file, null, 2)}\n`;
    const done = this.queue.then(() => writeFileAtomic(this.path, text));
    this.queue = done.catch(() => undefined);
    return done;
  }
}
