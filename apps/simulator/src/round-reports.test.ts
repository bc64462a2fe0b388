import { describe, expect, it } from 'vitest';
import type { RoundView } from './coordinator-api.ts';
import { roundReports } from './round-reports.ts';
import { TrainingLog } from './training-log.ts';

const done = (number: number, attempt: number, auc: number | null): RoundView => ({
  roundId: `r${number}-${attempt}`,
  number,
  attempt,
  stage: 'committed',
  sites: ['id-a', 'id-b'],
  privacy: null,
  startedAt: 1_000,
  deadline: 601_000,
  finishedAt: 11_000,
  modelHash: null,
  trainingLoss: 81.5,
  trainingLossTerms: { task: 0.45, auxiliary: 0.05, alignment: 0, reconstruction: 0, l2: 81, proximal: 0 },
  metrics: {
    sites: ['id-a', 'id-b'],
    tasks: {
      cancer: {
        auc,
        numExamples: 40,
        f1: 0.5,
        'attention.ehr': 0.2,
        'attention.imaging': 0.3,
        'attention.genomics': 0.5,
      },
    },
    validation: {
      cancer: { auc: auc === null ? null : auc + 0.05, numExamples: 10 },
      cardiac: { auc: 0.9, numExamples: 10 },
    },
  },
  failure: null,
  siteFailures: [],
  rejections: [],
});

describe('roundReports', () => {
  it('keeps committed rounds in order, names the sites and splits the duration into training and overhead', () => {
    const failed: RoundView = { ...done(1, 0, 0.7), stage: 'cancelled', metrics: null, finishedAt: 5_000 };
    const reports = roundReports({
      rounds: [done(2, 0, 0.8), failed, done(1, 1, null)],
      siteNames: new Map([
        ['id-a', 'site-1'],
        ['id-b', 'site-2'],
      ]),
      longestTraining: (id) => (id === 'r2-0' ? 7.5 : undefined),
    });
    expect(reports.map((r) => [r.number, r.attempt])).toEqual([
      [1, 1],
      [2, 0],
    ]);
    expect(reports[0]!.tasks.cancer!.auc).toBeNull(); // NaN arrives as null and stays null
    expect(reports[1]!.sites).toEqual(['site-1', 'site-2']);
    expect(reports[1]!.durationSeconds).toBe(10);
    expect(reports[1]!.trainingSeconds).toBe(7.5);
    expect(reports[1]!.overheadSeconds).toBe(2.5);
    expect(reports[0]!.overheadSeconds).toBeNull();
    expect(reports[1]!.tasks.cancer!.attention).toEqual({ ehr: 0.2, imaging: 0.3, genomics: 0.5 });
    expect(reports[1]!.trainingLoss).toBe(81.5);
    expect(reports[1]!.lossTerms).toMatchObject({ task: 0.45, l2: 81 });
    // The mean over tasks of the pooled validation AUC, of the tasks that have one.
    expect(reports[1]!.validationAuc).toBeCloseTo((0.85 + 0.9) / 2, 12);
    expect(reports[0]!.validationAuc).toBeCloseTo(0.9, 12);
  });
});

describe(TrainingLog.name, () => {
  it('takes the longest local training of a round from the daemons’ JSON lines and collects errors', () => {
    const log = new TrainingLog();
    const line = (site: string, seconds: number) =>
      log.record(
        site,
        JSON.stringify({ ts: 'x', level: 'info', msg: 'local training done', roundId: 'r1', seconds }),
      );
    line('site-1', 3.5);
    line('site-2', 9.25);
    log.record('site-2', 'not json');
    log.record('site-3', JSON.stringify({ level: 'error', msg: 'training round failed', roundId: 'r1' }));
    expect(log.longestTraining('r1')).toBe(9.25);
    expect(log.longestTraining('r2')).toBeUndefined();
    expect(log.errors).toEqual([{ site: 'site-3', message: 'training round failed' }]);
  });
});
