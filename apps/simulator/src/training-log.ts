import { z } from 'zod';

// The site daemons log one JSON object per line (`fedfuse-client start --log json`). The simulator reads
// the local training time of each round from them: the coordinator sees only when updates arrive.

const TrainingDone = z.object({
  msg: z.literal('local training done'),
  roundId: z.string(),
  seconds: z.number(),
});
const Problem = z.object({ level: z.literal('error'), msg: z.string() });

/** Local training seconds per round and site, and the errors the daemons logged. */
export class TrainingLog {
  private readonly seconds = new Map<string, Map<string, number>>();
  readonly errors: { site: string; message: string }[] = [];

  /** Reads one line of a site daemon's output; anything that is not a known JSON line is ignored. */
  record(site: string, line: string): void {
    if (!line.startsWith('{')) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return;
    }
    const done = TrainingDone.safeParse(raw);
    if (done.success) {
      const round = this.seconds.get(done.data.roundId) ?? new Map<string, number>();
      round.set(site, done.data.seconds);
      this.seconds.set(done.data.roundId, round);
      return;
    }
    const problem = Problem.safeParse(raw);
    if (problem.success) this.errors.push({ site, message: problem.data.msg });
  }

  /** The longest local training of a round (sites train in parallel), or undefined if none was logged. */
  longestTraining(roundId: string): number | undefined {
    const round = this.seconds.get(roundId);
    return round && round.size > 0 ? Math.max(...round.values()) : undefined;
  }
}
