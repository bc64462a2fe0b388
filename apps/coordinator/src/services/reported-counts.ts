import type { EvaluateRes, SiteDataSchema, TaskEvaluation } from '@fedfuse/protocol';

/** What a site said about its own data in `site:report`: patients per split, labelled patients per task. */
export interface ReportedCounts {
  train: number;
  test: number;
  /** Per task, labelled patients per split (`train`, `validation`, `test`). */
  tasks: SiteDataSchema['tasks'];
}

/** The counts from a site's last report, or undefined if it never reported (nothing to check against). */
export function reportedCounts(site: {
  dataSummary: { trainPatients: number; testPatients: number } | null;
  dataSchema: SiteDataSchema | null;
}): ReportedCounts | undefined {
  const { dataSummary: summary, dataSchema: schema } = site;
  if (!summary || !schema) return undefined;
  const most = (split: string) => Math.max(0, ...Object.values(schema.tasks).map((t) => t[split] ?? 0));
  return {
    train: Math.max(summary.trainPatients ?? 0, most('train')),
    test: Math.max(summary.testPatients ?? 0, most('test')),
    tasks: schema.tasks,
  };
}

/** F3: why a claimed training count cannot be true for this site, or undefined if it fits. */
export function fitExamplesProblem(
  numExamples: number,
  counts: ReportedCounts | undefined,
): string | undefined {
  if (!counts || numExamples <= counts.train) return undefined;
  return `numExamples ${numExamples} exceeds the ${counts.train} training examples this site reported`;
}

/** What the round asked for: the model's tasks and the histogram bins. */
export interface EvaluationAsked {
  tasks: readonly string[];
  bins: number;
}

/**
 * F4: the first reason an evaluation cannot be pooled, or undefined. Tasks and bins must be those asked,
 * rates lie in [0, 1], losses are finite and ≥ 0, and counts fit what the site reported for its test split.
 */
export function evaluationProblem(
  res: EvaluateRes,
  asked: EvaluationAsked,
  counts: ReportedCounts | undefined,
): string | undefined {
  const given = Object.keys(res.tasks).sort();
  const wanted = [...asked.tasks].sort();
  if (given.join('\n') !== wanted.join('\n'))
    return `the evaluation reports tasks [${given.join(', ')}] but the round asked for [${wanted.join(', ')}]`;
  for (const task of Object.keys(res.validation?.tasks ?? {}))
    if (!asked.tasks.includes(task))
      return `the validation split reports task "${task}", which was not asked`;
  if (counts && res.numExamples > counts.test)
    return `numExamples ${res.numExamples} exceeds the ${counts.test} test examples this site reported`;
  for (const [task, evaluation] of Object.entries(res.tasks)) {
    const problem = taskProblem(task, evaluation, asked.bins);
    if (problem) return problem;
    const limit = counts?.tasks[task]?.test;
    if (limit !== undefined && evaluation.numExamples > limit)
      return `task "${task}" has ${evaluation.numExamples} examples, more than the ${limit} labelled test examples this site reported`;
  }
  for (const [task, evaluation] of Object.entries(res.validation?.tasks ?? {})) {
    const problem = taskProblem(`validation ${task}`, evaluation, asked.bins);
    if (problem) return problem;
  }
  return undefined;
}

function taskProblem(task: string, evaluation: TaskEvaluation, bins: number): string | undefined {
  if (evaluation.histogram.bins !== bins)
    return `task "${task}" has ${evaluation.histogram.bins} bins; the round asked for ${bins}`;
  for (const [name, value] of Object.entries(evaluation.metrics)) {
    if (/loss/i.test(name)) {
      if (!Number.isFinite(value) || value < 0)
        return `task "${task}": ${name} ${value} is not a finite loss ≥ 0`;
    } else if (!(value >= 0 && value <= 1)) {
      return `task "${task}": ${name} ${value} lies outside [0, 1]`;
    }
  }
  return undefined;
}
