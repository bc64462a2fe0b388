import { describe, expect, it } from 'vitest';
import type { StoredRoundMetrics } from './round-selection.ts';
import { patienceRunOut, selectRound } from './round-selection.ts';

const pooled = (auc: number) => ({ auc, numExamples: 10 });

/** Rounds 1..n with these mean validation AUCs (two tasks straddling each) and test AUC 0.6 + round/100. */
function scripted(validation: readonly number[]) {
  return validation.map((v, i) => ({
    number: i + 1,
    metrics: {
      tasks: { a: pooled(0.6 + (i + 1) / 100), b: pooled(0.5) },
      validation: { a: pooled(v + 0.05), b: pooled(v - 0.05) },
      sites: [],
    } satisfies StoredRoundMetrics,
  }));
}

describe('selectRound', () => {
  it('selects the round with the best mean validation AUC and reports its test AUC, not the last round', () => {
    const selected = selectRound(scripted([0.7, 0.82, 0.8, 0.79, 0.81]));
    expect(selected?.round).toBe(2);
    expect(selected?.validationAuc).toBeCloseTo(0.82, 12);
    expect(selected?.testAuc).toEqual({ a: 0.62, b: 0.5 });
  });

  it('keeps the earliest of equal rounds, skips rounds without validation, and is null without any', () => {
    const rounds = scripted([0.8, 0.8, 0.75]);
    expect(selectRound(rounds)?.round).toBe(1);
    const noValidation = rounds.map((r) => ({ ...r, metrics: { ...r.metrics, validation: undefined } }));
    expect(selectRound(noValidation)).toBeNull();
    expect(selectRound([noValidation[0]!, rounds[2]!])?.round).toBe(3);
    const nan = { ...rounds[0]!, metrics: { ...rounds[0]!.metrics, validation: { a: pooled(Number.NaN) } } };
    expect(selectRound([nan])).toBeNull();
  });
});

describe('patienceRunOut', () => {
  it('stops `patience` rounds after the best one on a scripted sequence of validation AUCs', () => {
    const aucs = [0.7, 0.75, 0.74, 0.76, 0.73, 0.72, 0.9];
    const stopAt = (patience?: number) => {
      for (let n = 1; n <= aucs.length; n++) {
        const latest = scripted(aucs.slice(0, n));
        if (patienceRunOut({ latest: n, selected: selectRound(latest), patience })) return n;
      }
      return undefined;
    };
    // Best is round 4 (0.76); rounds 5 and 6 do not beat it.
    expect(stopAt(2)).toBe(6);
    expect(stopAt(1)).toBe(3);
    expect(stopAt(3)).toBeUndefined();
    expect(stopAt(undefined)).toBeUndefined();
  });
});
