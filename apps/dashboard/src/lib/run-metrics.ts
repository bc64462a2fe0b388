// Turns the coordinator's per-round records into what the run page draws: series per task, attention
// weights, the ablation table and the round timeline. Pure functions, unit-tested without a browser.
import type { LossTermName, LossTerms } from '@fedfuse/protocol';
import { LOSS_TERM_NAMES } from '@fedfuse/protocol';
import type { RoundStage, RoundView } from '@fedfuse/protocol';

/** Metrics a chart reads, per task and metric name: a REST round's, or a live broadcast's before it. */
export interface ShownMetrics {
  tasks: Record<string, Record<string, number | null | undefined>>;
}

/** A round as the run page shows it: the REST answer, its metrics possibly filled in from a broadcast. */
export type ShownRound = Omit<RoundView, 'metrics'> & { metrics: ShownMetrics | null };

export interface MetricSeries {
  /** Round numbers on the x axis, ascending. */
  rounds: number[];
  /** One series per task; null where a round has no value (not evaluated, or undefined for the data). */
  series: { task: string; values: (number | null)[] }[];
}

/** The attempt that counts for each round number: the last one, preferring an attempt with metrics. */
function roundsByNumber(rounds: readonly ShownRound[]): Map<number, ShownRound> {
  const byNumber = new Map<number, ShownRound>();
  for (const round of rounds) {
    const seen = byNumber.get(round.number);
    if (!seen || round.metrics || !seen.metrics) byNumber.set(round.number, round);
  }
  return new Map([...byNumber.entries()].sort(([a], [b]) => a - b));
}

/** A metric (e.g. `auc`, `f1`) per round for each task, over the rounds that were evaluated. */
export function metricSeries(
  rounds: readonly ShownRound[],
  metric: string,
  tasks: readonly string[],
): MetricSeries {
  const evaluated = [...roundsByNumber(rounds).values()].filter((r) => r.metrics);
  return {
    rounds: evaluated.map((r) => r.number),
    series: tasks.map((task) => ({
      task,
      values: evaluated.map((r) => finiteOrNull(r.metrics?.tasks[task]?.[metric])),
    })),
  };
}

/** A value of each committed round that has one (one point per round number), ascending. */
function committedSeries(
  rounds: readonly ShownRound[],
  read: (round: ShownRound) => number | null | undefined,
): { rounds: number[]; values: number[] } {
  // A retried round number has one committed attempt; keep it once.
  const byNumber = new Map<number, number>();
  for (const round of rounds) {
    const value = read(round);
    if (typeof value === 'number' && Number.isFinite(value)) byNumber.set(round.number, value);
  }
  const sorted = [...byNumber.entries()].sort(([a], [b]) => a - b);
  return { rounds: sorted.map(([n]) => n), values: sorted.map(([, v]) => v) };
}

/** The training loss (the whole objective) of each committed round, ascending. */
export function trainingLossSeries(rounds: readonly ShownRound[]): { rounds: number[]; values: number[] } {
  return committedSeries(rounds, (round) => round.trainingLoss);
}

/** The task loss of each committed round whose sites reported the terms, ascending. */
export function taskLossSeries(rounds: readonly ShownRound[]): { rounds: number[]; values: number[] } {
  return committedSeries(rounds, (round) => round.trainingLossTerms?.task);
}

/** How the loss terms read on the run page. */
export const LOSS_TERM_LABELS: Record<LossTermName, string> = {
  task: 'task loss (BCE)',
  auxiliary: 'auxiliary heads',
  alignment: 'alignment',
  reconstruction: 'reconstruction',
  l2: 'L2 penalty',
  proximal: 'FedProx proximal',
};

export interface LossBreakdown {
  round: number;
  /** The whole objective, as trainingLoss. */
  total: number | null;
  task: number;
  /** The regularisation terms that are not zero, largest first. */
  regularisers: { term: LossTermName; label: string; value: number }[];
}

/** The newest committed round's loss split into the task loss and the regularisers it includes. */
export function latestLossBreakdown(rounds: readonly ShownRound[]): LossBreakdown | undefined {
  const latest = [...rounds]
    .filter((r): r is ShownRound & { trainingLossTerms: LossTerms } => Boolean(r.trainingLossTerms))
    .sort((a, b) => a.number - b.number)
    .at(-1);
  if (!latest) return undefined;
  const terms = latest.trainingLossTerms;
  const regularisers = LOSS_TERM_NAMES.filter((term) => term !== 'task' && terms[term] > 0)
    .map((term) => ({ term, label: LOSS_TERM_LABELS[term], value: terms[term] }))
    .sort((a, b) => b.value - a.value);
  return { round: latest.number, total: latest.trainingLoss ?? null, task: terms.task, regularisers };
}

/** The newest round that has evaluation metrics. */
export function latestEvaluated(rounds: readonly ShownRound[]): ShownRound | undefined {
  return [...roundsByNumber(rounds).values()].filter((r) => r.metrics).at(-1);
}

/** Attention weight per modality for one task (`attention.<modality>` metrics), largest first. */
export function attentionOf(metrics: ShownMetrics, task: string): { modality: string; weight: number }[] {
  const values = metrics.tasks[task] ?? {};
  return Object.entries(values)
    .filter(([name, value]) => name.startsWith('attention.') && typeof value === 'number')
    .map(([name, value]) => ({ modality: name.slice('attention.'.length), weight: value! }))
    .sort((a, b) => b.weight - a.weight);
}

export interface AblationRow {
  task: string;
  /** The full model's AUC. */
  full: number | null;
  /** AUC with the modality removed, by modality. */
  without: Record<string, number | null>;
}

/**
 * The modality-removal ablation, from metrics named `ablation.<modality>.auc` (the AUC with that modality
 * removed at evaluation time). Empty when the sites reported none.
 */
export function ablationTable(metrics: ShownMetrics): { modalities: string[]; rows: AblationRow[] } {
  const modalities = new Set<string>();
  const rows: AblationRow[] = [];
  for (const [task, values] of Object.entries(metrics.tasks)) {
    const without: Record<string, number | null> = {};
    for (const [name, value] of Object.entries(values)) {
      const match = /^ablation\.([A-Za-z0-9_-]+)\.auc$/.exec(name);
      if (!match) continue;
      modalities.add(match[1]!);
      without[match[1]!] = finiteOrNull(value);
    }
    // Sites report ablation AUCs as their own; compare them with the mean of the sites' own full AUCs.
    const full = finiteOrNull(values.siteAuc ?? values.auc);
    if (Object.keys(without).length > 0) rows.push({ task, full, without });
  }
  return { modalities: [...modalities].sort(), rows };
}

/** Latest pooled metrics per task, from a flat `metrics:recorded` record (`cancer.auc`, `cancer.attention.ehr`). */
export function splitFlatMetrics(
  flat: Readonly<Record<string, number>>,
  tasks: readonly string[],
): Record<string, Record<string, number>> {
  // Longest task names first, so `a.b` is not taken for task `a` with metric `b.x`.
  const ordered = [...tasks].sort((a, b) => b.length - a.length);
  const out: Record<string, Record<string, number>> = {};
  for (const [key, value] of Object.entries(flat)) {
    const task = ordered.find((t) => key.startsWith(`${t}.`));
    if (task) (out[task] ??= {})[key.slice(task.length + 1)] = value;
  }
  return out;
}

/**
 * Rounds with the `metrics:recorded` broadcasts filled in where the REST answer has none yet (pooled
 * evaluation metrics; the training loss of a commit), so charts move the moment the coordinator records
 * them instead of one request later.
 */
export function withLiveMetrics(
  rounds: readonly ShownRound[],
  live: readonly { roundId: string; stage: string; metrics: Record<string, number> }[],
  tasks: readonly string[],
): ShownRound[] {
  const evaluated = new Map(live.filter((m) => m.stage === 'evaluate').map((m) => [m.roundId, m.metrics]));
  const trained = new Map(live.filter((m) => m.stage === 'fit').map((m) => [m.roundId, m.metrics.loss]));
  return rounds.map((round) => {
    const flat = round.metrics ? undefined : evaluated.get(round.roundId);
    const withMetrics = flat ? { ...round, metrics: { tasks: splitFlatMetrics(flat, tasks) } } : round;
    const loss = trained.get(round.roundId);
    const missingLoss = withMetrics.trainingLoss === null || withMetrics.trainingLoss === undefined;
    return missingLoss && loss !== undefined ? { ...withMetrics, trainingLoss: loss } : withMetrics;
  });
}

export interface TimelineEntry {
  roundId: string;
  number: number;
  attempt: number;
  stage: RoundStage;
  startedAt: number;
  finishedAt: number | null;
  /** Finished rounds: how long they took; open rounds: how long so far. */
  durationMs: number;
  sites: string[];
  trainingLoss: number | null;
  failure: string | null;
}

/** Every attempt at every round, oldest first, with its duration (open rounds measured up to `now`). */
export function roundTimeline(rounds: readonly ShownRound[], now: number): TimelineEntry[] {
  return [...rounds]
    .sort((a, b) => a.number - b.number || (a.attempt ?? 1) - (b.attempt ?? 1))
    .map((r) => ({
      roundId: r.roundId,
      number: r.number,
      attempt: r.attempt ?? 1,
      stage: r.stage,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      durationMs: Math.max(0, (r.finishedAt ?? now) - r.startedAt),
      sites: r.sites,
      trainingLoss: r.trainingLoss ?? null,
      failure: r.failure,
    }));
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
