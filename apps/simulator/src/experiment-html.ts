import type { ExperimentReport } from './experiment-schema.ts';
import { meanOver } from './experiment-tables.ts';
import { htmlPage } from './report-html.ts';
import { MODALITY_NAMES } from './shapley.ts';
import { barChart, esc, lineChart } from './svg.ts';

type Scored = { tasks: Record<string, { auc: number | null }>; meanAuc: number | null } | null | undefined;

function aucBars(o: {
  title: string;
  tasks: string[];
  settings: { name: string; scored: Scored }[];
}): string {
  return barChart({
    title: o.title,
    yLabel: 'AUC',
    categories: [...o.tasks, 'mean'],
    anchors: [0.5],
    series: o.settings.map((s) => ({
      name: s.name,
      values: [...o.tasks.map((t) => s.scored?.tasks[t]?.auc ?? null), s.scored?.meanAuc ?? null],
    })),
  });
}

function strategyCurves(report: ExperimentReport): string {
  const series = ['hybrid', 'fedprox', 'fedadam'].flatMap((name) => {
    const run = report.runs.find((r) => r.name === name);
    if (!run) return [];
    const label = name === 'hybrid' ? 'FedAvg' : name === 'fedprox' ? 'FedProx' : 'FedAdam';
    const points = run.rounds.map((r): [number, number | null] => [
      r.number,
      meanOver(Object.fromEntries(Object.entries(r.tasks).map(([t, auc]) => [t, { auc }])), 'auc'),
    ]);
    return [{ name: label, points }];
  });
  return lineChart({
    title: 'Mean pooled AUC per round, by strategy',
    xLabel: 'round',
    yLabel: 'mean AUC',
    series,
  });
}

function hybridFigures(report: ExperimentReport, tasks: string[]): string {
  const hybrid = report.runs.find((r) => r.name === 'hybrid');
  if (!hybrid) return '';
  const t = hybrid.final.tasks;
  const perModality = (pick: (task: string) => Record<string, number | null> | null | undefined) =>
    MODALITY_NAMES.map((m) => ({ name: m, values: tasks.map((task) => pick(task)?.[m] ?? null) }));
  return [
    barChart({
      title: 'Accuracy with one modality removed (hybrid)',
      yLabel: 'accuracy',
      categories: tasks,
      anchors: [0.5],
      series: [
        { name: 'none removed', values: tasks.map((task) => t[task]?.accuracy ?? null) },
        ...MODALITY_NAMES.map((m) => ({
          name: `${m} removed`,
          values: tasks.map((task) => t[task]?.ablation[`${m}_removed`].accuracy ?? null),
        })),
      ],
    }),
    barChart({
      title: 'Attention per task (hybrid)',
      yLabel: 'attention',
      categories: tasks,
      series: perModality((task) => t[task]?.attention),
    }),
    barChart({
      title: 'Modality Shapley values (hybrid)',
      yLabel: 'Shapley value',
      categories: tasks,
      series: perModality((task) => t[task]?.shapley),
    }),
  ].join('');
}

/** The study's self-contained HTML report: every comparison as a figure, with links to each run's report. */
export function renderExperimentHtml(report: ExperimentReport): string {
  const tasks = Object.keys(report.runs[0]?.final.tasks ?? {});
  const byName = (name: string) => report.runs.find((r) => r.name === name)?.final;
  const fusions = aucBars({
    title: 'Fusion strategies, federated (Table 1)',
    tasks,
    settings: ['early', 'late', 'concat', 'hybrid'].map((name) => ({ name, scored: byName(name) })),
  });
  const settings = aucBars({
    title: 'Federated vs centralized vs local-only',
    tasks,
    settings: [
      { name: 'federated', scored: byName('hybrid') },
      { name: 'centralized', scored: report.centralized },
      { name: 'local-only', scored: report.localOnly?.pooled },
    ],
  });
  const heterogeneity = aucBars({
    title: 'IID vs non-IID sites',
    tasks,
    settings: [
      { name: 'IID', scored: byName('iid') },
      { name: 'non-IID (default)', scored: byName('hybrid') },
      { name: 'non-IID (strong)', scored: byName('skewed') },
    ],
  });
  const links = report.runs
    .map(
      (r) =>
        `<li><a href="${esc(r.report)}">${esc(r.name)}</a>: ${esc(r.config.fusion)}, ${esc(r.config.strategy)}, ${r.config.iid ? 'IID' : `α = ${r.config.nonIid}`}</li>`,
    )
    .join('');
  const body = `<h1>FedFuse study: the seed paper's experiments, federated</h1>
<p class="note"><code>${esc(report.command)}</code> · ${(report.totalSeconds / 60).toFixed(1)} minutes · ${esc(report.generatedAt)}</p>
<h2>Fusion and modalities</h2><div class="charts">${fusions}${hybridFigures(report, tasks)}</div>
<h2>Where and how to train</h2><div class="charts">${settings}${heterogeneity}${strategyCurves(report)}</div>
<h2>Each run's own report</h2><ul>${links}</ul>`;
  return htmlPage('FedFuse study', body);
}
