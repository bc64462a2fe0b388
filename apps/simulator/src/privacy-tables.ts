import type { ExperimentReport } from './experiment-schema.ts';
import { markdownTable, num } from './tables.ts';

/**
 * The `privacy` preset's result: pooled test AUC per task against the run's ε, one row per noise multiplier,
 * with and without secure aggregation (central Gaussian noise, or the sites' distributed Skellam noise), the
 * runs without DP first; a record-level DP-SGD run shows the largest site's per-patient ε instead.
 */
export function privacyMarkdown(report: ExperimentReport): string {
  const tasks = [...new Set(report.runs.flatMap((r) => Object.keys(r.final.tasks)))];
  const c = report.runs[0]?.config;
  const setup = c
    ? `${c.sites} sites × ~${c.patientsPerSite} patients, ${c.imageSize}×${c.imageSize} images, ${c.genes} genes; ${c.rounds} rounds × ${c.epochs} local epochs, ${c.strategy}; seed ${c.seed}; backend ${c.backend}.`
    : '';
  const rows = report.runs.map((run) => {
    const p = run.privacy;
    const z = /(?:^|-)z-(.+)$/.exec(run.name)?.[1] ?? '—';
    const perPatient = (p?.sites ?? []).flatMap((s) => (s.recordLevel ? [s.recordLevel] : []));
    // Record-level runs: the largest site's per-patient ε, the one every patient gets.
    const worst = perPatient.reduce<(typeof perPatient)[number] | undefined>(
      (max, s) => (max && max.epsilon >= s.epsilon ? max : s),
      undefined,
    );
    const epsilon =
      p?.epsilon !== null && p?.epsilon !== undefined
        ? formatEpsilon(p.epsilon)
        : worst
          ? `${formatEpsilon(worst.epsilon)} per patient`
          : '∞ (no DP)';
    const delta = p?.delta ?? worst?.delta ?? null;
    return [
      run.name,
      p?.secureAggregation ? 'yes' : 'no',
      z,
      epsilon,
      delta === null ? '—' : formatDelta(delta),
      ...tasks.map((t) => num(run.final.tasks[t]?.auc)),
      num(run.final.meanAuc),
      num(run.seconds, 0),
    ];
  });
  const failed = report.failed.length
    ? `\n\nFailed runs: ${report.failed.map((f) => `${f.name} (${f.error.split('\n')[0]})`).join('; ')}.`
    : '';
  return `${[
    `Command: \`${report.command}\` (${num(report.totalSeconds / 60, 1)} minutes).`,
    `Setup: ${setup} DP-FedAvg with the clip and δ in the run names' options: without secure aggregation the coordinator adds Gaussian noise to the mean; with it (\`sa-*\`) each site adds its share of Skellam noise before masking and ε is the distributed Skellam mechanism's (q = 1, no amplification claimed); \`dp-sgd-*\`: record-level DP-SGD at every site instead (C = 1, δ = 1e-5; ε per patient, the largest site's). Every AUC is the selected round's global model on the pooled held-out splits of all sites.${failed}`,
    markdownTable(
      ['run', 'secure aggregation', 'z', 'ε', 'δ', ...tasks.map((t) => `${t} AUC`), 'mean AUC', 'seconds'],
      rows,
    ),
  ].join('\n\n')}\n`;
}

/** ε spans orders of magnitude across noise multipliers: three significant digits. */
function formatEpsilon(epsilon: number): string {
  return epsilon >= 1000 ? epsilon.toExponential(2) : epsilon.toPrecision(3);
}

function formatDelta(delta: number): string {
  return delta < 1e-3 ? delta.toExponential() : delta.toPrecision(3);
}
