import { describe, expect, it } from 'vitest';
import { secAggFitReport } from './secagg-fit-report.ts';

const lossTerms = { task: 0.6, auxiliary: 0.1, alignment: 0, reconstruction: 0, l2: 0.01, proximal: 0 };

describe(secAggFitReport.name, () => {
  it('says what FitRes says of training: examples, losses, fit metrics, record-level ε', () => {
    const recordLevel = { epsilon: 1.5, delta: 1e-5, epochs: 2 };
    const outcome = { numExamples: 60, lossPerEpoch: [0.9, 0.71], lossTerms, seconds: 3 };
    expect(secAggFitReport(outcome, recordLevel)).toEqual({
      ok: true,
      report: {
        numExamples: 60,
        metrics: { loss: 0.71, trainSeconds: 3 },
        lossPerEpoch: [0.9, 0.71],
        lossTerms,
        recordLevel,
      },
    });
  });

  it('leaves out a report with a diverged loss, naming the field, rather than spoil the masked input', () => {
    const result = secAggFitReport(
      { numExamples: 60, lossPerEpoch: [Number.NaN], lossTerms, seconds: 3 },
      null,
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/lossPerEpoch/);
  });
});
