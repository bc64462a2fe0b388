import { readFile } from 'node:fs/promises';
import { z } from 'zod';

import { isNotFound, writeFileAtomic } from './atomic-file.ts';

const TrainedRound = z.object({
  runId: z.string(),
  roundId: z.string(),
  roundNumber: z.int(),
  modelHash: z.string(),
  numExamples: z.int(),
  loss: z.number().optional(),
  /** When the coordinator accepted the result (ms since the epoch). */
  acceptedAt: z.int(),
});

const EvaluatedRound = z.object({
  runId: z.string(),
  roundId: z.string(),
  roundNumber: z.int(),
  modelHash: z.string(),
  numExamples: z.int(),
  /** AUC per task (only tasks where it is defined). */
  auc: z.record(z.string(), z.number()),
  acceptedAt: z.int(),
});

/** `state.json`: what `fedfuse-client status` shows about recent rounds. */
export const SiteState = z.object({
  lastTrained: TrainedRound.optional(),
  lastEvaluated: EvaluatedRound.optional(),
});
export type SiteState = z.infer<typeof SiteState>;

/** Small persistent record of the last rounds; a missing or unreadable file reads as empty. */
export class StateFile {
  // Updates run one after another, so two results finishing together cannot lose each other's write.
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  /** Current state ({} when none was written yet or the file is damaged: it is informational only). */
  async read(): Promise<SiteState> {
    try {
      const parsed = SiteState.safeParse(JSON.parse(await readFile(this.path, 'utf8')));
      return parsed.success ? parsed.data : {};
    } catch (err) {
      if (isNotFound(err) || err instanceof SyntaxError) return {};
      throw err;
    }
  }

  /** Merge `patch` into the state and write it atomically. */
  update(patch: Partial<SiteState>): Promise<void> {
    const run = async (): Promise<void> => {
      const next = { ...(await this.read()), ...patch };
      await writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`);
    };
    const done = this.queue.then(run);
    this.queue = done.catch(() => undefined);
    return done;
  }
}
