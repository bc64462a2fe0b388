import { describe, expect, it } from 'vitest';
import type { ExperimentReport, RunSummary } from './experiment-schema.ts';
import { privacyMarkdown } from './privacy-tables.ts';

function run(name: string, auc: number, privacy: RunSummary['privacy']): RunSummary {
  const task = { auc, f1: null, precision: null, recall: null, accuracy: null };
  return {
    name,
    config: {
      sites: 6,
      patientsPerSite: 100,
      imageSize: 16,
      genes: 500,
      rounds: 4,
      epochs: 1,
      strategy: 'fedavg',
      seed: 1,
      backend: 'wasm',
    },
    report: `runs/${name}/report.html`,
    final: { meanAuc: auc, tasks: { cancer: task } },
    rounds: [],
    seconds: 61,
    peakMemoryBytes: 0,
    privacy,
  } as unknown as RunSummary;
}

describe(privacyMarkdown.name, () => {
  it('puts ε, δ and the AUC of each noise multiplier in one row, the run without DP as ε ∞', () => {
    const report = {
      command: 'fedfuse-sim experiment --preset privacy',
      totalSeconds: 600,
      failed: [],
      runs: [
        run('no-dp', 0.81, {
          secureAggregation: false,
          epsilon: null,
          delta: null,
          mechanism: null,
          sites: [],
        }),
        run('z-1', 0.62, {
          secureAggregation: false,
          epsilon: 12.345,
          delta: 1e-5,
          mechanism: 'dp-fedavg-gaussian',
          sites: [],
        }),
        run('z-0.01', 0.7, {
          secureAggregation: false,
          epsilon: 123456,
          delta: 1e-5,
          mechanism: 'dp-fedavg-gaussian',
          sites: [],
        }),
        run('sa-z-1', 0.6, {
          secureAggregation: true,
          epsilon: 14.5,
          delta: 1e-5,
          mechanism: 'dp-fedavg-distributed-skellam',
          sites: [],
        }),
        run('dp-sgd-z-1.1', 0.55, {
          secureAggregation: false,
          epsilon: null,
          delta: null,
          mechanism: 'dp-sgd-gaussian',
          sites: [
            { name: 'a', rounds: 0, epsilon: null, recordLevel: { epsilon: 2.5, delta: 1e-5, epochs: 4 } },
            { name: 'b', rounds: 0, epsilon: null, recordLevel: { epsilon: 3.25, delta: 1e-5, epochs: 4 } },
          ],
        }),
      ],
    } as unknown as ExperimentReport;
    const rows = privacyMarkdown(report)
      .split('\n')
      .filter((line) => line.startsWith('| '))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    expect(rows).toEqual([
      ['run', 'secure aggregation', 'z', 'ε', 'δ', 'cancer AUC', 'mean AUC', 'seconds'],
      ['no-dp', 'no', '—', '∞ (no DP)', '—', '0.810', '0.810', '61'],
      ['z-1', 'no', '1', '12.3', '1e-5', '0.620', '0.620', '61'],
      ['z-0.01', 'no', '0.01', '1.23e+5', '1e-5', '0.700', '0.700', '61'],
      ['sa-z-1', 'yes', '1', '14.5', '1e-5', '0.600', '0.600', '61'],
      ['dp-sgd-z-1.1', 'no', '1.1', '3.25 per patient', '1e-5', '0.550', '0.550', '61'],
    ]);
  });
});
