import { describe, expect, it } from 'vitest';
import { fedAvg } from './fed-avg.ts';
import { fedMedian } from './fed-median.ts';
import { isStateful } from './strategy.ts';
import type { ClientInfo, FitResult, Strategy } from './strategy.ts';
import { STRATEGY_NAMES, strategyFor } from './strategy-for.ts';
import { trimmedMean } from './trimmed-mean.ts';

const clients: ClientInfo[] = ['a', 'b', 'c', 'd'].map((id) => ({ id, available: true }));
const run = { seed: 7, fraction: 1, minClients: 2 };
const global = Float32Array.from([0, 0]);
const results: FitResult[] = [
  { clientId: 'a', weights: Float32Array.from([1, 2]), numExamples: 1 },
  { clientId: 'b', weights: Float32Array.from([3, 6]), numExamples: 3 },
  { clientId: 'c', weights: Float32Array.from([100, -50]), numExamples: 1 },
];

/** The strategy, told the base weights of `round` as a restarted coordinator does (no configureFit). */
function started<TStrategy extends Strategy>(
  strategy: TStrategy,
  round: number,
  weights: Float32Array,
): TStrategy {
  strategy.startFrom(round, weights);
  return strategy;
}

describe(strategyFor.name, () => {
  it('builds every named strategy, and refuses an unknown name by naming it', () => {
    expect(STRATEGY_NAMES).toEqual(
      expect.arrayContaining(['fedavg', 'fedprox', 'fedadam', 'fedyogi', 'fedadagrad', 'fedavgm']),
    );
    for (const name of STRATEGY_NAMES) expect(strategyFor({ ...run, strategy: { name } })).toBeDefined();
    expect(() => strategyFor({ ...run, strategy: { name: 'fedsgd' } })).toThrow(/unknown strategy "fedsgd"/);
  });

  it('samples the run fraction of the available sites, seeded, and never fewer than minClients', () => {
    const half = strategyFor({ ...run, fraction: 0.5, strategy: { name: 'fedavg' } });
    const plan = half.configureFit(1, global, clients);
    expect(plan.ok && plan.assignments.length).toBe(2);
    const again = strategyFor({ ...run, fraction: 0.5, strategy: { name: 'fedavg' } }).configureFit(
      1,
      global,
      clients,
    );
    expect(again).toEqual(plan);
    const tooFew = strategyFor({ ...run, minClients: 5, strategy: { name: 'fedavg' } });
    expect(tooFew.configureFit(1, global, clients)).toMatchObject({
      ok: false,
      reason: 'below_min_available',
    });
  });

  it('asks every available site to evaluate, and none when none is there', () => {
    const strategy = strategyFor({ ...run, fraction: 0.25, strategy: { name: 'krum' } });
    const plan = strategy.configureEvaluate(1, global, clients);
    expect(plan.ok && plan.assignments.map((a) => a.clientId).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(strategy.configureEvaluate(1, global, []).ok).toBe(false);
  });

  it('sends FedProx its proximal term in the fit config', () => {
    const plan = strategyFor({ ...run, proximalMu: 0.3, strategy: { name: 'fedprox' } }).configureFit(
      1,
      global,
      clients,
    );
    expect(plan.ok && plan.assignments.every((a) => a.config.proximalMu === 0.3)).toBe(true);
  });

  it('aggregates by the named rule, from the base weights the caller passes (startFrom, no configureFit)', () => {
    const aggregate = (strategy: { name: string; trimBeta?: number }) =>
      Array.from(started(strategyFor({ ...run, strategy }), 1, global).aggregateFit(1, results, []).weights!);
    expect(aggregate({ name: 'fedavg' })).toEqual(Array.from(fedAvg(results)));
    expect(aggregate({ name: 'fedmedian' })).toEqual(Array.from(fedMedian(results)));
    expect(aggregate({ name: 'trimmedmean', trimBeta: 0.34 })).toEqual(
      Array.from(trimmedMean(results, 0.34)),
    );
    // The outlier c is far from a and b: Krum keeps one of them.
    expect([
      [1, 2],
      [3, 6],
    ]).toContainEqual(aggregate({ name: 'krum' }));
  });

  it('persists a server optimizer: a restored strategy continues exactly as the original', () => {
    const settings = { name: 'fedadam', serverLearningRate: 0.5 };
    const original = strategyFor({ ...run, strategy: settings });
    expect(isStateful(original)).toBe(true);
    if (!isStateful(original)) return;
    const round1 = started(original, 1, global).aggregateFit(1, results, []).weights!;
    const restored = strategyFor({ ...run, strategy: settings });
    if (!isStateful(restored)) return;
    restored.restoreState(original.snapshotState());
    const next = started(restored, 2, round1).aggregateFit(2, results, []).weights!;
    expect(Array.from(next)).toEqual(
      Array.from(started(original, 2, round1).aggregateFit(2, results, []).weights!),
    );
    // A fresh optimizer (no restore) takes a different step: the state mattered.
    const fresh = started(strategyFor({ ...run, strategy: settings }), 2, round1).aggregateFit(
      2,
      results,
      [],
    );
    expect(Array.from(fresh.weights!)).not.toEqual(Array.from(next));
    expect(isStateful(strategyFor({ ...run, strategy: { name: 'fedavg' } }))).toBe(false);
  });

  it('pools per-task evaluation histograms with the run’s tasks and bins', () => {
    const strategy = strategyFor({
      ...run,
      strategy: { name: 'fedavg' },
      evaluation: { bins: 2, tasks: ['cancer'] },
    });
    const part = (positives: number[], negatives: number[]) => ({
      numExamples: 4,
      metrics: {},
      histogram: { bins: positives.length, positives, negatives },
    });
    const aggregate = strategy.aggregateEvaluate(
      1,
      [
        { clientId: 'a', numExamples: 4, tasks: { cancer: part([0, 3], [1, 0]) } },
        {
          clientId: 'b',
          numExamples: 4,
          tasks: { cancer: part([0, 0, 2], [2, 0, 0]), other: part([1, 1], [1, 1]) },
        },
      ],
      [],
    );
    expect(Object.keys(aggregate.tasks ?? {})).toEqual(['cancer']);
    expect(aggregate.tasks!.cancer).toMatchObject({ auc: 1, numExamples: 4 });
    expect(aggregate.loss).toBeUndefined();
  });
});
