import { z } from 'zod';

// The site daemons log one JSON object per line (`fedfuse-client start --log json`). The simulator reads
// the local training time of each round from them: the coordinator sees only when updates arrive. Sites
// that share a site host process train one after another there: a host's round takes their sum.

const TrainingDone = z.object({
  msg: z.literal('local training done'),
  roundId: z.string(),
  seconds: z.number(),
});
const Problem = z.object({ level: z.literal('error'), msg: z.string() });

/** Local training seconds per round and site, and the errors the daemons logged. */
export class TrainingLog {
  /** Per round: per site, its host and its local training seconds. */
  private readonly seconds = new Map<string, Map<string, { host: string; seconds: number }>>();
  readonly errors: { site: string; message: string }[] = [];

  /**
   * Reads one line of a site daemon's output; anything that is not a known JSON line is ignored. `host`
   * names the process the site trains in (default: a process of its own).
   */
  record(site: string, line: string, host = site): void {
    if (!line.startsWith('{')) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return;
    }
    const done = TrainingDone.safeParse(raw);
    if (done.success) {
      const round =
        this.seconds.get(done.data.roundId) ?? new Map<string, { host: string; seconds: number }>();
      round.set(site, { host, seconds: done.data.seconds });
      this.seconds.set(done.data.roundId, round);
      return;
    }
    const problem = Problem.safeParse(raw);
    if (problem.success) this.errors.push({ site, message: problem.data.msg });
  }

  /**
   * The local training time of a round: hosts train in parallel, the sites of one host in turn, so the
   * longest sum over a host's sites; undefined if none was logged.
   */
  longestTraining(roundId: string): number | undefined {
    const round = this.seconds.get(roundId);
    if (!round || round.size === 0) return undefined;
    const perHost = new Map<string, number>();
    for (const { host, seconds } of round.values()) perHost.set(host, (perHost.get(host) ?? 0) + seconds);
    return Math.max(...perHost.values());
  }
}
