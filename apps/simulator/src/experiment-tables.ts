import { PAPER_TABLE_1, PAPER_TABLE_2, STRONG_SKEW } from './experiment-plan.ts';
import type { ExperimentReport, RunSummary } from './experiment-schema.ts';
import { MODALITY_NAMES } from './shapley.ts';
import { bytes, markdownTable, num } from './tables.ts';

type Metric = 'auc' | 'f1' | 'precision' | 'recall' | 'accuracy';

/** Mean of one metric over the tasks (undefined values skipped). */
export function meanOver(
  tasks: Record<string, Partial<Record<Metric, number | null>>>,
  metric: Metric,
): number | null {
  const values = Object.values(tasks).flatMap((m) => (typeof m[metric] === 'number' ? [m[metric]] : []));
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

function run(report: ExperimentReport, name: string): RunSummary | undefined {
  return report.runs.find((r) => r.name === name);
}

function tasksOf(report: ExperimentReport): string[] {
  return Object.keys(report.runs[0]?.final.tasks ?? {});
}

function fusionTable(report: ExperimentReport, tasks: string[]): string {
  const rows = ['early', 'late', 'concat', 'hybrid'].flatMap((name) => {
    const r = run(report, name);
    if (!r) return [];
    const paper = PAPER_TABLE_1[name];
    const t = r.final.tasks;
    return [
      [
        name,
        ...(['auc', 'f1', 'precision', 'recall'] as const).map((m) => num(meanOver(t, m))),
        ...tasks.map((task) => num(t[task]?.auc)),
        paper ? `${paper.auc} / ${paper.f1} / ${paper.precision} / ${paper.recall}` : '—',
      ],
    ];
  });
  return markdownTable(
    [
      'fusion',
      'AUC',
      'F1',
      'precision',
      'recall',
      ...tasks.map((t) => `AUC ${t}`),
      'paper: AUC / F1 / P / R',
    ],
    rows,
  );
}

function removalTable(report: ExperimentReport, tasks: string[], metric: 'accuracy' | 'auc'): string {
  const hybrid = run(report, 'hybrid');
  if (!hybrid) return '(the hybrid run is missing)';
  const t = hybrid.final.tasks;
  const rows = (['none', 'imaging', 'genomics', 'ehr'] as const).map((removed) => [
    removed === 'none' ? 'none' : `${removed} removed`,
    ...tasks.map((task) => {
      const value = removed === 'none' ? t[task]?.[metric] : t[task]?.ablation[`${removed}_removed`][metric];
      const paper = metric === 'accuracy' ? PAPER_TABLE_2[removed]?.[task] : undefined;
      return paper === undefined ? num(value) : `${num(value)} (${paper.toFixed(2)})`;
    }),
  ]);
  const label = metric === 'accuracy' ? 'accuracy (paper)' : 'AUC';
  return markdownTable(['modality removed', ...tasks.map((task) => `${label} ${task}`)], rows);
}

function interpretabilityTable(report: ExperimentReport, tasks: string[]): string {
  const hybrid = run(report, 'hybrid');
  if (!hybrid) return '(the hybrid run is missing)';
  const rows = tasks.map((task) => {
    const m = hybrid.final.tasks[task];
    return [
      task,
      ...MODALITY_NAMES.map((x) => num(m?.attention?.[x])),
      ...MODALITY_NAMES.map((x) => num(m?.shapley[x])),
    ];
  });
  return markdownTable(
    ['task', ...MODALITY_NAMES.map((m) => `attention ${m}`), ...MODALITY_NAMES.map((m) => `Shapley ${m}`)],
    rows,
  );
}

function comparisonRow(
  label: string,
  tasks: string[],
  values: { tasks: Record<string, { auc: number | null }>; meanAuc: number | null } | undefined,
): string[] {
  return [label, ...tasks.map((t) => num(values?.tasks[t]?.auc)), num(values?.meanAuc)];
}

function settingsTable(report: ExperimentReport, tasks: string[]): string {
  const hybrid = run(report, 'hybrid');
  const central = report.centralized ?? undefined;
  const local = report.localOnly?.pooled;
  const rows = [
    comparisonRow('federated (FedAvg, hybrid)', tasks, hybrid?.final),
    comparisonRow('centralized (pooled train splits)', tasks, central),
    comparisonRow('local-only (mean over sites)', tasks, local),
  ];
  const delta = (hybrid?.final.meanAuc ?? NaN) - (central?.meanAuc ?? NaN);
  return `${markdownTable(['training', ...tasks.map((t) => `AUC ${t}`), 'mean AUC'], rows)}\n\nFederated minus centralized mean AUC: ${num(delta)}.`;
}

function heterogeneityTable(report: ExperimentReport, tasks: string[]): string {
  const alpha = run(report, 'hybrid')?.config.nonIid;
  const rows = [
    comparisonRow('IID sites', tasks, run(report, 'iid')?.final),
    comparisonRow(`non-IID, label skew α = ${alpha ?? '?'} (default)`, tasks, run(report, 'hybrid')?.final),
    comparisonRow(`non-IID, label skew α = ${STRONG_SKEW}`, tasks, run(report, 'skewed')?.final),
  ];
  return markdownTable(['sites', ...tasks.map((t) => `AUC ${t}`), 'mean AUC'], rows);
}

function strategyTable(report: ExperimentReport, tasks: string[]): string {
  const rows = [
    ['FedAvg', 'hybrid'],
    ['FedProx', 'fedprox'],
    ['FedAdam', 'fedadam'],
  ].map(([label, name]) => {
    const r = run(report, name!);
    const perRound = r?.rounds
      .map((x) =>
        num(meanOver(Object.fromEntries(Object.entries(x.tasks).map(([t, auc]) => [t, { auc }])), 'auc'), 2),
      )
      .join(' → ');
    const setting =
      r?.config.strategy === 'fedprox'
        ? ` (μ = ${r.config.proximalMu})`
        : r?.config.strategy === 'fedadam'
          ? ` (η = ${r.config.serverLearningRate})`
          : '';
    return [...comparisonRow(`${label!}${setting}`, tasks, r?.final), perRound ?? '—'];
  });
  return markdownTable(
    ['strategy', ...tasks.map((t) => `AUC ${t}`), 'mean AUC', 'mean pooled AUC by round'],
    rows,
  );
}

function costTable(report: ExperimentReport): string {
  const rows = report.runs.map((r) => [r.name, num(r.seconds, 0), bytes(r.peakMemoryBytes)]);
  if (report.centralized) rows.push(['centralized', num(report.centralized.seconds, 0), '—']);
  if (report.localOnly) rows.push(['local-only (all sites)', num(report.localOnly.pooled.seconds, 0), '—']);
  return markdownTable(['run', 'seconds', 'peak memory (coordinator + sites)'], rows);
}

/** All the study's tables as one markdown document. */
export function experimentMarkdown(report: ExperimentReport): string {
  const tasks = tasksOf(report);
  const c = report.runs[0]?.config;
  const setup = c
    ? `${c.sites} sites × ~${c.patientsPerSite} patients, ${c.imageSize}×${c.imageSize} images, ${c.genes} genes, missing-modality rates × ${c.missingScale}; ${c.rounds} rounds × ${c.epochs} local epochs, batch ${c.batchSize}, Adam ${c.learningRate}, L2 ${c.weightDecay}, alignment μ ${c.alignWeight}, modality keep probability ${c.modalityKeepProb}; seed ${c.seed}; backend ${c.backend}.`
    : '';
  const failed = report.failed.length
    ? `\n\nFailed runs: ${report.failed.map((f) => `${f.name} (${f.error.split('\n')[0]})`).join('; ')}.`
    : '';
  return `${[
    `Command: \`${report.command}\` (${num(report.totalSeconds / 60, 1)} minutes).`,
    `Setup: ${setup} Every figure is the final global model on the pooled held-out splits of all sites.${failed}`,
    "### Fusion strategies (the paper's Table 1), federated\n\nAUC, F1, precision and recall are means over the three tasks.",
    fusionTable(report, tasks),
    "### Modality removed at inference (the paper's Table 2), hybrid fusion",
    removalTable(report, tasks, 'accuracy'),
    removalTable(report, tasks, 'auc'),
    '### What the hybrid model attends to, and what each modality adds\n\nMean attention weight per task, and exact Shapley values of each modality for the AUC (2³ masked evaluations, v(∅) = 0.5).',
    interpretabilityTable(report, tasks),
    '### Federated vs centralized vs local-only\n\nThe same architecture and the same number of passes over the data (rounds × local epochs).',
    settingsTable(report, tasks),
    '### IID vs non-IID sites (hybrid, FedAvg)',
    heterogeneityTable(report, tasks),
    '### Aggregation strategies (hybrid)',
    strategyTable(report, tasks),
    '### Cost on this machine',
    costTable(report),
  ].join('\n\n')}\n`;
}
