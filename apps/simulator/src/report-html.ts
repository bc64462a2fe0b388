import { LOSS_TERM_NAMES } from '@fedfuse/protocol';
import { MODALITY_NAMES } from './shapley.ts';
import type { SimulationReport } from './report-schema.ts';
import { barChart, esc, lineChart, scatterPlot } from './svg.ts';
import { bytes, htmlTable, num } from './tables.ts';

/** The shared page shell of the HTML reports: inline CSS, no script, no external asset. */
export function htmlPage(title: string, body: string): string {
  const css = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f6f6f6}td:first-child,th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:8px}
svg{font-family:system-ui,sans-serif;background:#fff;border:1px solid #eee}.note{color:#555}code{background:#f3f3f3;padding:0 3px}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${css}</style></head><body>${body}</body></html>\n`;
}

/** Final metrics per task: the simulator's evaluation of the last global model on all held-out splits. */
export function finalTableRows(report: SimulationReport): string[][] {
  return Object.entries(report.final.tasks).map(([task, m]) => [
    task,
    num(m.auc),
    num(m.f1),
    num(m.precision),
    num(m.recall),
    num(m.accuracy),
    String(m.numExamples),
  ]);
}

export const FINAL_HEADERS = ['task', 'AUC', 'F1', 'precision', 'recall', 'accuracy', 'n'];

/** Which round the final table scores, and why. */
export function modelLine(report: SimulationReport): string {
  const f = report.final;
  return f.selectedBy === 'validation'
    ? `Selected model (round ${f.round} of ${f.lastRound}, best pooled validation AUC)`
    : `Final model (round ${f.round}; no validation split to select on)`;
}

/** The run's privacy guarantee in words: (ε, δ) and the mechanism, or that there is none beyond sealing. */
export function privacyLine(report: SimulationReport): string {
  const p = report.privacy;
  if (p.mechanism === null)
    return p.secureAggregation
      ? 'privacy: not differentially private (secure aggregation: the coordinator saw only the masked sum)'
      : 'privacy: not differentially private (updates sealed to the coordinator only)';
  const epsilon = p.epsilon === null ? '—' : p.epsilon.toFixed(3);
  const line = `privacy: ${p.mechanism}, ε = ${epsilon}, δ = ${p.delta ?? '—'}, secure aggregation ${p.secureAggregation ? 'on' : 'off'}`;
  const perPatient = p.sites.flatMap((s) => (s.recordLevel ? [s.recordLevel.epsilon] : []));
  // Each site's patients have their own guarantee; the largest is the one every patient gets.
  return perPatient.length === 0
    ? line
    : `${line}, record-level ε ≤ ${Math.max(...perPatient).toFixed(3)} per patient`;
}

function roundsSection(report: SimulationReport, tasks: string[]): string {
  const chart = lineChart({
    title: 'Pooled AUC per round (federated evaluation)',
    xLabel: 'round',
    yLabel: 'AUC',
    series: tasks.map((task) => ({
      name: task,
      points: report.rounds.map((r) => [r.number, r.tasks[task]?.auc ?? null]),
    })),
  });
  const rows = report.rounds.map((r) => [
    String(r.number),
    String(r.sites.length),
    num(r.durationSeconds, 1),
    num(r.trainingSeconds, 1),
    num(r.overheadSeconds, 1),
    ...tasks.map((t) => num(r.tasks[t]?.auc)),
  ]);
  const table = htmlTable(
    ['round', 'sites', 'seconds', 'training s', 'overhead s', ...tasks.map((t) => `AUC ${t}`)],
    rows,
    esc,
  );
  return `<h2>Training</h2><div class="charts">${chart}${taskLossChart(report)}</div>${table}${lossTable(report)}`;
}

/** The task loss per round, without the regularisation the local objective also carries. */
function taskLossChart(report: SimulationReport): string {
  if (!report.rounds.some((r) => r.lossTerms)) return '';
  return lineChart({
    title: 'Task loss per round (masked BCE, sites pooled by examples)',
    xLabel: 'round',
    yLabel: 'task loss',
    series: [{ name: 'task loss', points: report.rounds.map((r) => [r.number, r.lossTerms?.task ?? null]) }],
  });
}

/** The local objective per round in its terms: the task loss, then each regulariser that is ever non-zero. */
function lossTable(report: SimulationReport): string {
  if (!report.rounds.some((r) => r.lossTerms)) return '';
  const shown = LOSS_TERM_NAMES.filter((term) => report.rounds.some((r) => (r.lossTerms?.[term] ?? 0) > 0));
  const rows = report.rounds.map((r) => [
    String(r.number),
    ...shown.map((term) => num(r.lossTerms?.[term] ?? null, 4)),
    num(r.trainingLoss, 4),
  ]);
  const headers = ['round', ...shown.map((term) => (term === 'task' ? 'task loss' : term)), 'objective'];
  return `<p class="note">Training loss in its terms: the objective is the task loss plus the regularisers beside it.</p>${htmlTable(headers, rows, esc)}`;
}

function modalitySection(report: SimulationReport, tasks: string[]): string {
  const finalTasks = report.final.tasks;
  const perModality = (pick: (task: string) => Record<string, number | null> | null | undefined) =>
    MODALITY_NAMES.map((m) => ({ name: m, values: tasks.map((t) => pick(t)?.[m] ?? null) }));
  const attention = tasks.some((t) => finalTasks[t]?.attention)
    ? barChart({
        title: 'Mean attention weight per task',
        yLabel: 'attention',
        categories: tasks,
        series: perModality((t) => finalTasks[t]?.attention),
      })
    : '<p class="note">This fusion has no attention weights.</p>';
  const shapley = barChart({
    title: 'Modality Shapley value (AUC above 0.5)',
    yLabel: 'Shapley value',
    categories: tasks,
    series: perModality((t) => finalTasks[t]?.shapley),
  });
  const removal = barChart({
    title: 'AUC with one modality removed at inference',
    yLabel: 'AUC',
    categories: tasks,
    anchors: [0.5],
    series: [
      { name: 'none removed', values: tasks.map((t) => finalTasks[t]?.auc ?? null) },
      ...MODALITY_NAMES.map((m) => ({
        name: `${m} removed`,
        values: tasks.map((t) => finalTasks[t]?.ablation[`${m}_removed`].auc ?? null),
      })),
    ],
  });
  const rows = tasks.map((t) => {
    const f = finalTasks[t];
    return [
      t,
      num(f?.accuracy),
      ...MODALITY_NAMES.map(
        (m) => `${num(f?.ablation[`${m}_removed`].accuracy)} / ${num(f?.ablation[`${m}_removed`].auc)}`,
      ),
    ];
  });
  const table = htmlTable(
    ['task', 'accuracy, all', ...MODALITY_NAMES.map((m) => `${m} removed (acc / AUC)`)],
    rows,
    esc,
  );
  return `<h2>Modalities</h2><p class="note">Attention weights are what the model looks at; Shapley values (exact, from the 2³ masked evaluations of the same model, v(∅) = 0.5) are what each modality adds to the AUC.</p><div class="charts">${attention}${shapley}${removal}</div>${table}`;
}

function embeddingSection(report: SimulationReport, tasks: string[]): string {
  const e = report.final.embedding;
  if (e.points.length === 0) return '';
  const plots = tasks
    .map((task) =>
      scatterPlot({
        title: `Fused embedding (PCA), coloured by ${task}`,
        points: e.points,
        labels: e.labels[task] ?? [],
      }),
    )
    .join('');
  return `<h2>Fused representation</h2><p class="note">${e.points.length} held-out patients; the two components explain ${num(e.explainedVariance[0] * 100, 1)}% and ${num(e.explainedVariance[1] * 100, 1)}% of the variance.</p><div class="charts">${plots}</div>`;
}

/** The self-contained `report.html` of one simulation. */
export function renderReportHtml(report: SimulationReport): string {
  const c = report.config;
  const tasks = Object.keys(report.final.tasks);
  const t = report.timings;
  const header = `<h1>FedFuse simulation: ${esc(c.fusion)} fusion, ${esc(c.strategy)}, ${c.sites} sites</h1>
<p class="note">${c.rounds} rounds × ${c.epochs} local epochs, ${c.patientsPerSite} patients per site on average, ${c.iid ? 'IID sites' : `label skew α = ${c.nonIid}`}, ${c.imageSize}×${c.imageSize} ${esc(c.imageFamily)} images, ${c.genes} genes, seed ${c.seed}${c.trainSeed === null ? '' : ` (training seed ${c.trainSeed})`}, backend ${esc(c.backend)}. Generated ${esc(report.generatedAt)}.</p>`;
  const final = `<h2>${esc(modelLine(report))} on the pooled test splits (${report.final.numExamples} patients)</h2>${htmlTable(FINAL_HEADERS, finalTableRows(report), esc)}<p>Mean AUC over tasks: <b>${num(report.final.meanAuc)}</b></p><p data-privacy>${esc(privacyLine(report))}</p>`;
  const cost = `<h2>Cost</h2>${htmlTable(
    [
      'total s',
      'setup s',
      'training s',
      'round overhead s',
      'final evaluation s',
      'peak memory (coordinator + sites)',
    ],
    [
      [
        num(t.totalSeconds, 1),
        num(t.setupSeconds, 1),
        num(t.trainingSeconds, 1),
        num(t.roundOverheadSeconds, 1),
        num(t.finalEvaluationSeconds, 1),
        bytes(report.peakMemoryBytes),
      ],
    ],
    esc,
  )}`;
  const body =
    header +
    final +
    roundsSection(report, tasks) +
    modalitySection(report, tasks) +
    embeddingSection(report, tasks) +
    cost;
  return htmlPage(`FedFuse simulation ${report.runId}`, body);
}
