import { describe, expect, it } from 'vitest';
import { buildRunRequest, defaultRunForm } from './run-form.ts';

describe('buildRunRequest', () => {
  it('builds the POST /api/runs body from the defaults', () => {
    const result = buildRunRequest({ ...defaultRunForm, name: ' Nightly ' });
    expect(result).toEqual({
      ok: true,
      body: {
        name: 'Nightly',
        model: { fusion: 'hybrid', tasks: ['cancer', 'cardiac', 'metabolic'] },
        strategy: { name: 'fedavg' },
        rounds: 5,
        minClients: 2,
        fraction: 1,
        roundTimeoutSeconds: 600,
        local: { epochs: 1, batchSize: 32, learningRate: 0.003, modalityKeepProb: 0.85, proximalMu: 0 },
      },
    });
  });

  it('sends only the hyper-parameters the strategy reads, and only those filled in', () => {
    const result = buildRunRequest({
      ...defaultRunForm,
      name: 'adam',
      strategy: 'fedadam',
      params: { serverLearningRate: '0.01', beta1: '', momentum: '0.9', trimBeta: '0.1' },
    });
    expect(result.ok && result.body.strategy).toEqual({ name: 'fedadam', serverLearningRate: 0.01 });
  });

  it('merges model overrides under the form’s fusion and tasks, and adds the schedule', () => {
    const result = buildRunRequest({
      ...defaultRunForm,
      name: 'tiny',
      tasks: 'cancer cardiac',
      modelJson: '{"d": 4, "tasks": ["ignored"]}',
      scheduleKind: 'interval',
      intervalSeconds: '3600',
    });
    expect(result.ok && result.body.model).toEqual({ d: 4, fusion: 'hybrid', tasks: ['cancer', 'cardiac'] });
    expect(result.ok && result.body.schedule).toEqual({ intervalSeconds: 3600 });
  });

  it('names every field a person mistyped', () => {
    const result = buildRunRequest({
      ...defaultRunForm,
      name: '',
      rounds: '2.5',
      learningRate: 'fast',
      tasks: ' , ',
      modelJson: '[1]',
      strategy: 'krum',
      params: { numMalicious: '1.5' },
      scheduleKind: 'cron',
      cron: ' ',
    });
    expect(result.ok ? {} : result.errors).toEqual({
      name: 'required',
      rounds: 'a whole number',
      learningRate: 'not a number',
      tasks: 'at least one task',
      modelJson: 'a JSON object, e.g. {"d": 32}',
      numMalicious: 'a whole number',
      cron: 'required',
    });
  });
});
