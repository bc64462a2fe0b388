import { describe, expect, it } from 'vitest';
import type { ShownRound } from './run-metrics.ts';
import {
  ablationTable,
  attentionOf,
  latestEvaluated,
  latestLossBreakdown,
  metricSeries,
  roundTimeline,
  splitFlatMetrics,
  taskLossSeries,
  trainingLossSeries,
  withLiveMetrics,
} from './run-metrics.ts';

function round(options: Partial<ShownRound> & { number: number }): ShownRound {
  return {
    roundId: `r${options.number}-${options.attempt ?? 1}`,
    attempt: 1,
    stage: 'committed',
    sites: ['a', 'b'],
    startedAt: 1_000 * options.number,
    deadline: 1_000 * options.number + 900,
    finishedAt: 1_000 * options.number + 500,
    modelHash: null,
    metrics: null,
    trainingLoss: null,
    trainingLossTerms: null,
    failure: null,
    privacy: null,
    siteFailures: [],
    rejections: [],
    ...options,
  };
}

const evaluated = (n: number, auc: number | null) =>
  round({ number: n, metrics: { tasks: { cancer: { auc, f1: 0.5 }, cardiac: { auc: 0.6 } } } });

describe('metricSeries', () => {
  it('gives one value per evaluated round and task, null where a task has none', () => {
    const rounds = [
      evaluated(2, 0.8),
      evaluated(1, null),
      round({ number: 3, stage: 'fit', finishedAt: null }),
    ];
    expect(metricSeries(rounds, 'auc', ['cancer', 'cardiac'])).toEqual({
      rounds: [1, 2],
      series: [
        { task: 'cancer', values: [null, 0.8] },
        { task: 'cardiac', values: [0.6, 0.6] },
      ],
    });
    expect(metricSeries(rounds, 'f1', ['cardiac']).series[0]!.values).toEqual([null, null]);
  });

  it('counts a retried round once, by the attempt that has metrics', () => {
    const failed = round({ number: 1, attempt: 1, stage: 'cancelled', failure: 'too few sites' });
    const retried = { ...evaluated(1, 0.7), roundId: 'retry', attempt: 2 };
    expect(metricSeries([failed, retried], 'auc', ['cancer']).rounds).toEqual([1]);
    expect(latestEvaluated([retried, failed])?.roundId).toBe('retry');
  });
});

describe('attention and ablation', () => {
  const metrics = {
    tasks: {
      cancer: {
        auc: 0.9,
        'attention.ehr': 0.2,
        'attention.genomics': 0.7,
        'attention.imaging': 0.1,
        'ablation.genomics.auc': 0.6,
        'ablation.ehr.auc': null,
      },
      cardiac: { auc: 0.8 },
    },
  };

  it('lists attention weights per modality, largest first', () => {
    expect(attentionOf(metrics, 'cancer').map((a) => a.modality)).toEqual(['genomics', 'ehr', 'imaging']);
    expect(attentionOf(metrics, 'cardiac')).toEqual([]);
  });

  it("compares ablation AUCs with the mean of the sites' own full AUCs when the round has it", () => {
    const table = ablationTable({ tasks: { cancer: { auc: 0.9, siteAuc: 0.85, 'ablation.ehr.auc': 0.7 } } });
    expect(table.rows).toEqual([{ task: 'cancer', full: 0.85, without: { ehr: 0.7 } }]);
  });

  it('builds the ablation table only for tasks that report one', () => {
    expect(ablationTable(metrics)).toEqual({
      modalities: ['ehr', 'genomics'],
      rows: [{ task: 'cancer', full: 0.9, without: { genomics: 0.6, ehr: null } }],
    });
  });
});

describe('live metrics', () => {
  it('splits flat broadcast metrics by task, longest task name first', () => {
    expect(
      splitFlatMetrics({ 'a.b.auc': 1, 'a.auc': 2, 'a.attention.ehr': 3, other: 4 }, ['a', 'a.b']),
    ).toEqual({
      'a.b': { auc: 1 },
      a: { auc: 2, 'attention.ehr': 3 },
    });
  });

  it('fills rounds the REST answer has not evaluated yet, and leaves the others alone', () => {
    const rounds = [evaluated(1, 0.7), round({ number: 2, stage: 'evaluate', finishedAt: null })];
    const live: { roundId: string; stage: string; metrics: Record<string, number> }[] = [
      { roundId: 'r2-1', stage: 'evaluate', metrics: { 'cancer.auc': 0.9 } },
      { roundId: 'r1-1', stage: 'evaluate', metrics: { 'cancer.auc': 0.1 } },
      { roundId: 'r2-1', stage: 'fit', metrics: { loss: 0.3 } },
    ];
    const merged = withLiveMetrics(rounds, live, ['cancer']);
    expect(merged[0]).toBe(rounds[0]);
    expect(merged[1]!.metrics).toEqual({ tasks: { cancer: { auc: 0.9 } } });
  });
});

describe('trainingLossSeries', () => {
  it('gives the committed rounds’ training loss in round order, skipping rounds without one', () => {
    const rounds = [
      round({ number: 2, trainingLoss: 0.4 }),
      round({ number: 1, attempt: 1, stage: 'cancelled', trainingLoss: null }),
      round({ number: 1, attempt: 2, trainingLoss: 0.7 }),
      round({ number: 3, stage: 'fit', finishedAt: null }),
    ];
    expect(trainingLossSeries(rounds)).toEqual({ rounds: [1, 2], values: [0.7, 0.4] });
  });

  it('takes a commit’s loss from its broadcast until the rounds are read again', () => {
    const rounds = [round({ number: 1, trainingLoss: 0.7 }), round({ number: 2, trainingLoss: null })];
    const live: { roundId: string; stage: string; metrics: Record<string, number> }[] = [
      { roundId: 'r1-1', stage: 'fit', metrics: { loss: 9 } },
      { roundId: 'r2-1', stage: 'fit', metrics: { loss: 0.5, sites: 2 } },
    ];
    const merged = withLiveMetrics(rounds, live, ['cancer']);
    expect(merged.map((r) => r.trainingLoss)).toEqual([0.7, 0.5]);
    expect(roundTimeline(merged, 0).map((t) => t.trainingLoss)).toEqual([0.7, 0.5]);
  });
});

describe('roundTimeline', () => {
  it('orders attempts and measures open rounds up to now', () => {
    const timeline = roundTimeline(
      [
        round({ number: 2, finishedAt: null }),
        round({ number: 1, attempt: 2 }),
        round({ number: 1, attempt: 1 }),
      ],
      2_600,
    );
    expect(timeline.map((t) => [t.number, t.attempt, t.durationMs])).toEqual([
      [1, 1, 500],
      [1, 2, 500],
      [2, 1, 600],
    ]);
  });
});

describe('loss terms', () => {
  const terms = (task: number, l2: number) => ({
    task,
    auxiliary: 0.05,
    alignment: 0,
    reconstruction: 0.01,
    l2,
    proximal: 0,
  });
  const rounds = [
    round({ number: 2, trainingLoss: 81.5, trainingLossTerms: terms(0.44, 81) }),
    round({ number: 1, trainingLoss: 152.7, trainingLossTerms: terms(0.69, 152) }),
    round({ number: 3, trainingLoss: null, trainingLossTerms: null }),
  ];

  it('gives the task loss per committed round, without the penalties the total carries', () => {
    expect(taskLossSeries(rounds)).toEqual({ rounds: [1, 2], values: [0.69, 0.44] });
    expect(trainingLossSeries(rounds)).toEqual({ rounds: [1, 2], values: [152.7, 81.5] });
  });

  it('splits the newest round into its task loss and the non-zero regularisers, largest first', () => {
    expect(latestLossBreakdown(rounds)).toEqual({
      round: 2,
      total: 81.5,
      task: 0.44,
      regularisers: [
        { term: 'l2', label: 'L2 penalty', value: 81 },
        { term: 'auxiliary', label: 'auxiliary heads', value: 0.05 },
        { term: 'reconstruction', label: 'reconstruction', value: 0.01 },
      ],
    });
  });

  it('has no breakdown or task series for sites that sent no terms', () => {
    const old = [round({ number: 1, trainingLoss: 0.7 })];
    expect(latestLossBreakdown(old)).toBeUndefined();
    expect(taskLossSeries(old).rounds).toEqual([]);
  });
});
