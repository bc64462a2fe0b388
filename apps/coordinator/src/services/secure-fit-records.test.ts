import { describe, expect, it } from 'vitest';
import { roundLossTerms, roundTrainingLoss } from './training-loss.ts';
import { secureFitRows } from './secure-fit-records.ts';

const terms = (task: number) => ({
  task,
  auxiliary: 0,
  alignment: 0,
  reconstruction: 0,
  l2: 0.01,
  proximal: 0,
});

describe(secureFitRows.name, () => {
  it('writes one delta-less fit row per survivor that reported, and the round loss pools them as FitRes rows', () => {
    const reports = new Map([
      ['a', { numExamples: 30, metrics: { loss: 0.5 }, lossPerEpoch: [0.9, 0.5], lossTerms: terms(0.49) }],
      ['b', { numExamples: 10, metrics: { loss: 0.9 }, lossPerEpoch: [0.9], lossTerms: terms(0.89) }],
      // Dropped after its masked input: its report is not the round's.
      ['c', { numExamples: 50, metrics: { loss: 7 }, lossPerEpoch: [7] }],
    ]);
    const rows = secureFitRows({ roundId: 'r1', survivors: ['a', 'b', 'd'], reports, at: 5 });
    expect(rows.map((r) => [r.site_id, r.num_examples, r.delta_path, r.stage, r.message_key])).toEqual([
      ['a', 30, null, 'fit', 'secagg:r1:a'],
      ['b', 10, null, 'fit', 'secagg:r1:b'],
    ]);
    expect(roundTrainingLoss(rows)).toBeCloseTo((0.5 * 30 + 0.9 * 10) / 40, 12);
    expect(roundLossTerms(rows)?.task).toBeCloseTo((0.49 * 30 + 0.89 * 10) / 40, 12);
  });

  it('writes nothing when no survivor reported (sites older than the report)', () => {
    expect(secureFitRows({ roundId: 'r1', survivors: ['a'], reports: new Map(), at: 5 })).toEqual([]);
  });
});
