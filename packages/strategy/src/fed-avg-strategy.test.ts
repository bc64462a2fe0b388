import { describe, expect, it } from 'vitest';
import { FedAvgStrategy } from './fed-avg-strategy.ts';
import type { ClientInfo, FitResult } from './strategy.ts';
import type { ParameterLayout } from './types.ts';

const clients: ClientInfo[] = ['a', 'b', 'c', 'd'].map((id) => ({ id, available: id !== 'd' }));
const global = Float32Array.from([0, 0]);
const fit = (clientId: string, weights: number[], extra: Partial<FitResult> = {}): FitResult => ({
  clientId,
  weights: Float32Array.from(weights),
  numExamples: 1,
  ...extra,
});

describe(FedAvgStrategy.name, () => {
  it('sends the global weights and the round config to the sampled sites', () => {
    // Prepare
    const strategy = new FedAvgStrategy({
      fractionFit: 1,
      minFitClients: 2,
      onFitConfig: (round) => ({ round }),
    });
    // Execute
    const plan = strategy.configureFit(3, global, clients);
    // Assert: the three available sites, each with the global weights and { round: 3 }
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.assignments.map((a) => a.clientId).sort()).toEqual(['a', 'b', 'c']);
    for (const assignment of plan.assignments) {
      expect(assignment.weights).toBe(global);
      expect(assignment.config).toEqual({ round: 3 });
    }
  });

  it('plans no round, with its reason, when too few sites are available', () => {
    const plan = new FedAvgStrategy({ minAvailableClients: 4 }).configureFit(1, global, clients);
    expect(plan).toMatchObject({ ok: false, reason: 'below_min_available' });
  });

  it('averages the results by examples and their metrics likewise', () => {
    const strategy = new FedAvgStrategy();
    strategy.configureFit(1, global, clients);
    const results = [
      fit('a', [1, 2], { numExamples: 1, metrics: { accuracy: 0.5, loss: 2 } }),
      fit('b', [3, 6], { numExamples: 3, metrics: { accuracy: 0.9 } }),
    ];
    const { weights, metrics } = strategy.aggregateFit(1, results, []);
    expect(Array.from(weights ?? [])).toEqual([2.5, 5]);
    // accuracy: (1·0.5 + 3·0.9)/4; loss is reported by a only
    expect(metrics.accuracy).toBeCloseTo(0.8, 6);
    expect(metrics.loss).toBeCloseTo(2, 6);
  });

  it('keeps the old model when there are no results, or failures it may not accept', () => {
    expect(new FedAvgStrategy().aggregateFit(1, [], [])).toEqual({ metrics: {} });
    const strict = new FedAvgStrategy({ acceptFailures: false });
    const failure = { clientId: 'c', reason: 'timeout' };
    expect(strict.aggregateFit(1, [fit('a', [1, 1])], [failure])).toEqual({ metrics: {} });
    const lenient = new FedAvgStrategy();
    expect(lenient.aggregateFit(1, [fit('a', [1, 1])], [failure]).weights).toBeDefined();
  });

  it('averages per parameter group when given a layout, keeping groups nobody trained', () => {
    const layout: ParameterLayout = [
      { name: 'ehr', offset: 0, length: 1, group: 'ehr' },
      { name: 'imaging', offset: 1, length: 1, group: 'imaging' },
    ];
    const strategy = new FedAvgStrategy({ layout });
    strategy.configureFit(1, Float32Array.from([9, 9]), clients);
    const noImaging = [
      fit('a', [1, 5], { groupExamples: { imaging: 0 } }),
      fit('b', [3, 7], { groupExamples: { imaging: 0 } }),
    ];
    expect(Array.from(strategy.aggregateFit(1, noImaging, []).weights ?? [])).toEqual([2, 9]);
    expect(() => strategy.aggregateFit(2, noImaging, [])).toThrow(/call configureFit for this round first/);
  });

  it('evaluates on sampled sites and pools the loss by examples', () => {
    const strategy = new FedAvgStrategy({ onEvaluateConfig: () => ({ split: 'test' }) });
    const plan = strategy.configureEvaluate(1, global, clients);
    expect(plan.ok && plan.assignments.every((a) => a.config.split === 'test')).toBe(true);
    const results = [
      { clientId: 'a', numExamples: 10, loss: 1, metrics: { auc: 0.7 } },
      { clientId: 'b', numExamples: 30, loss: 3, metrics: { auc: 0.9 } },
    ];
    const { loss, metrics } = strategy.aggregateEvaluate(1, results, []);
    expect(loss).toBeCloseTo(2.5, 6);
    expect(metrics.auc).toBeCloseTo(0.85, 6);
    expect(strategy.aggregateEvaluate(1, [], [])).toEqual({ metrics: {} });
  });

  it('plans an empty evaluation when fractionEvaluate is 0', () => {
    expect(new FedAvgStrategy({ fractionEvaluate: 0 }).configureEvaluate(1, global, clients)).toEqual({
      ok: true,
      assignments: [],
    });
  });

  it('rejects bad sampling options at construction', () => {
    expect(() => new FedAvgStrategy({ fractionFit: 2 })).toThrow(/fraction must be in \[0, 1\], got 2/);
    expect(() => new FedAvgStrategy({ minFitClients: 1.5 })).toThrow(/minClients must be an integer/);
  });
});
