import type { OpenRoundStage, PooledTask, RoundView } from '@fedfuse/protocol';
import type { CoordinatorApi } from './coordinator-api.ts';
import type { Child } from './processes.ts';

/** What to watch while a run trains. */
export interface FollowOptions {
  api: CoordinatorApi;
  runId: string;
  rounds: number;
  daemons: () => readonly Child[];
  log: (line: string) => void;
  pollMs?: number;
}

const OPEN_STAGE_WORDS: Record<OpenRoundStage, string> = {
  fit: 'sites training',
  aggregating: 'aggregating',
  evaluate: 'federated evaluation',
};

/** `cancer 0.812  cardiac 0.774 …` from a round's pooled metrics. */
function formatAucs(tasks: Record<string, PooledTask>): string {
  return Object.entries(tasks)
    .map(([task, m]) => `${task} ${typeof m.auc === 'number' ? m.auc.toFixed(3) : '—'}`)
    .join('  ');
}

function describe(round: RoundView, total: number): string | undefined {
  const head = `round ${round.number}/${total}`;
  if (round.stage === 'committed' && round.metrics) {
    const seconds = round.finishedAt ? ((round.finishedAt - round.startedAt) / 1000).toFixed(1) : '?';
    const excluded = round.rejections?.filter((r) => r.code === 'norm_exceeded').length ?? 0;
    const note =
      excluded > 0 ? ` · ${excluded} update${excluded === 1 ? '' : 's'} excluded (norm bound)` : '';
    return `${head} done in ${seconds} s · pooled AUC ${formatAucs(round.metrics.tasks)}${note}`;
  }
  if (round.stage === 'cancelled')
    return `${head} attempt ${round.attempt + 1} failed: ${round.failure ?? 'unknown'}`;
  if (round.stage === 'committed') return undefined;
  return `${head} · ${OPEN_STAGE_WORDS[round.stage]} (${round.sites.length} sites)`;
}

/**
 * Polls the run until it completes, printing each round's stage and, as rounds finish, the pooled AUC
 * per task. Throws when the run fails or stops, or when a site daemon dies.
 */
export async function followRun(options: FollowOptions): Promise<RoundView[]> {
  const printed = new Set<string>();
  for (;;) {
    const dead = options.daemons().find((c) => c.process.exitCode !== null || c.process.signalCode !== null);
    if (dead) throw new Error(`site daemon ${dead.role} exited during the run:\n${dead.tail()}`);
    const [run, rounds] = await Promise.all([
      options.api.run(options.runId),
      options.api.rounds(options.runId),
    ]);
    for (const round of rounds) {
      const line = describe(round, options.rounds);
      const key = `${round.roundId}:${round.stage}`;
      if (line && !printed.has(key)) {
        printed.add(key);
        options.log(line);
      }
    }
    if (run.state === 'completed') return rounds;
    if (run.state === 'failed' || run.state === 'stopped') {
      throw new Error(`the run ${run.state}: ${run.failure ?? 'no reason given'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}
