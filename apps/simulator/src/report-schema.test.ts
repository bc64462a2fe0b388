import { describe, expect, it } from 'vitest';
import { parseReport, type SimulationReport } from './report-schema.ts';
import { renderReportHtml } from './report-html.ts';

const removal = { accuracy: 0.7, auc: 0.75 };
const task = {
  auc: 0.8,
  f1: 0.7,
  precision: 0.72,
  recall: 0.68,
  accuracy: 0.77,
  numExamples: 50,
  attention: { ehr: 0.3, imaging: 0.3, genomics: 0.4 },
  shapley: { ehr: 0.05, imaging: 0.1, genomics: 0.15 },
  subsets: { none: 0.5, 'ehr+imaging+genomics': 0.8 },
  ablation: { imaging_removed: removal, genomics_removed: removal, ehr_removed: removal },
};

/** A small but complete report, as `fedfuse-sim run` writes it. */
function sampleReport(): SimulationReport {
  return {
    schema: 'fedfuse-sim/report/1',
    generatedAt: '2026-01-01T00:00:00.000Z',
    config: {
      sites: 2,
      rounds: 1,
      seed: 1,
      trainSeed: null,
      fusion: 'hybrid',
      strategy: 'fedavg',
      patientsPerSite: 60,
      nonIid: 20,
      iid: false,
      epochs: 1,
      fraction: 1,
      batchSize: 32,
      learningRate: 0.001,
      modalityKeepProb: 0.85,
      proximalMu: 0,
      serverLearningRate: null,
      imageSize: 16,
      imageFamily: 'axial',
      genes: 500,
      missingScale: 0.25,
      weightDecay: 1e-4,
      alignWeight: 0.001,
      genomicsNoise: 0.3,
      genomicsDecay: 10,
      tasks: ['cancer'],
      backend: 'wasm',
    },
    runId: 'run',
    sites: [
      { name: 'site-1', patients: 60, test: 12, prevalence: { cancer: 0.3 }, withModality: { ehr: 60 } },
    ],
    rounds: [
      {
        number: 1,
        attempt: 0,
        stage: 'committed',
        sites: ['site-1'],
        startedAt: 0,
        finishedAt: 1000,
        durationSeconds: 1,
        trainingSeconds: 0.6,
        overheadSeconds: 0.4,
        tasks: { cancer: { ...task, attention: null } },
        trainingLoss: 81.46,
        lossTerms: { task: 0.44, auxiliary: 0.02, alignment: 0, reconstruction: 0, l2: 81, proximal: 0 },
        validationAuc: 0.82,
      },
    ],
    final: {
      round: 1,
      lastRound: 1,
      selectedBy: 'validation',
      numExamples: 50,
      meanAuc: 0.8,
      tasks: { cancer: task },
      embedding: {
        method: 'pca',
        explainedVariance: [0.5, 0.2],
        points: [
          [0, 1],
          [1, 0],
        ],
        labels: { cancer: [0, 1] },
      },
    },
    privacy: { secureAggregation: false, epsilon: null, delta: null, mechanism: null, sites: [] },
    timings: {
      totalSeconds: 10,
      setupSeconds: 5,
      trainingSeconds: 0.6,
      roundOverheadSeconds: 0.4,
      finalEvaluationSeconds: 1,
    },
    peakMemoryBytes: 1 << 20,
    memory: { processes: [{ role: 'coordinator', pid: 1, peakBytes: 1 << 20 }], simulatorPeakBytes: 1 << 20 },
  };
}

describe('parseReport', () => {
  it('accepts a complete report and refuses one without Shapley values, naming the field', () => {
    expect(parseReport(sampleReport()).final.tasks.cancer!.shapley.genomics).toBe(0.15);
    const broken = structuredClone(sampleReport()) as unknown as {
      final: { tasks: { cancer: Record<string, unknown> } };
    };
    delete broken.final.tasks.cancer.shapley;
    expect(() => parseReport(broken)).toThrow('final.tasks.cancer.shapley');
  });

  it('refuses a report without rounds', () => {
    expect(() => parseReport({ ...sampleReport(), rounds: [] })).toThrow('rounds');
  });

  it('reads a report written before site sampling: every site trained each round', () => {
    const report = sampleReport() as unknown as { config: Record<string, unknown> };
    delete report.config.fraction;
    expect(parseReport(report).config.fraction).toBe(1);
    expect(() => parseReport({ ...report, config: { ...report.config, fraction: 0 } })).toThrow(
      'config.fraction',
    );
  });

  it('reads a report written before --train-seed and --image-family: data seed, chest images', () => {
    const report = sampleReport() as unknown as { config: Record<string, unknown> };
    delete report.config.trainSeed;
    delete report.config.imageFamily;
    expect(parseReport(report).config.trainSeed).toBeNull();
    expect(parseReport(report).config.imageFamily).toBe('chest');
    expect(parseReport({ ...report, config: { ...report.config, trainSeed: 3 } }).config.trainSeed).toBe(3);
  });

  it('reads a report written before the stage words: its rounds were committed ones', () => {
    const report = sampleReport() as unknown as { rounds: Record<string, unknown>[] };
    delete report.rounds[0]!.stage;
    report.rounds[0]!.phase = 'done';
    expect(parseReport(report).rounds[0]!.stage).toBe('committed');
    expect(() => parseReport({ ...report, rounds: [{ ...report.rounds[0], stage: 'done' }] })).toThrow(
      'rounds[0].stage',
    );
  });
});

describe('renderReportHtml', () => {
  it('is one self-contained page: inline SVG figures, no script, no external asset', () => {
    const html = renderReportHtml(sampleReport());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|href="http/);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(html).toContain('Modality Shapley value');
  });

  it('shows the task loss apart from the regularisers the objective carries', () => {
    const html = renderReportHtml(sampleReport());
    expect(html).toContain('Task loss per round');
    expect(html).toMatch(/<th>task loss<\/th><th>auxiliary<\/th><th>l2<\/th><th>objective<\/th>/);
    expect(html).toMatch(/<td>0\.4400<\/td><td>0\.0200<\/td><td>81\.0000<\/td><td>81\.4600<\/td>/);
  });

  it('reads a report written before the loss terms, and leaves their table out', () => {
    const report = sampleReport() as unknown as { rounds: Record<string, unknown>[] };
    delete report.rounds[0]!.trainingLoss;
    delete report.rounds[0]!.lossTerms;
    const parsed = parseReport(report);
    expect(parsed.rounds[0]!.lossTerms).toBeNull();
    expect(renderReportHtml(parsed)).not.toContain('Task loss per round');
  });
});
