import { describe, expect, it } from 'vitest';
import { buildRunRequest, defaultRunForm } from './run-form.ts';

describe('buildRunRequest', () => {
  it('builds the POST /api/runs body from the run defaults, leaving every model input to the sites', () => {
    const result = buildRunRequest({ ...defaultRunForm, name: ' Nightly ' });
    expect(result).toEqual({
      ok: true,
      body: {
        name: 'Nightly',
        model: { fusion: 'hybrid', l2: 3e-3 },
        strategy: { name: 'fedavg' },
        rounds: 10,
        minClients: 2,
        fraction: 1,
        roundTimeoutSeconds: 600,
        local: { epochs: 2, batchSize: 32, learningRate: 1e-3, modalityKeepProb: 0.85, proximalMu: 0 },
      },
    });
  });

  it('sends the inputs the operator fills in, over the JSON overrides', () => {
    const result = buildRunRequest({
      ...defaultRunForm,
      name: 'explicit',
      tasks: 'cancer',
      ehrDim: '21',
      genomicsDim: ' ',
      imageShape: '64 x 64 x 1',
      modelJson: '{"genomicsDim": 1000, "ehrDim": 5}',
    });
    expect(result.ok && result.body.model).toEqual({
      fusion: 'hybrid',
      l2: 3e-3,
      tasks: ['cancer'],
      ehrDim: 21,
      genomicsDim: 1000,
      imageShape: [64, 64, 1],
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
    expect(result.ok && result.body.model).toEqual({
      d: 4,
      fusion: 'hybrid',
      l2: 3e-3,
      tasks: ['cancer', 'cardiac'],
    });
    expect(result.ok && result.body.schedule).toEqual({ intervalSeconds: 3600 });
  });

  it('names every field a person mistyped', () => {
    const result = buildRunRequest({
      ...defaultRunForm,
      name: '',
      rounds: '2.5',
      learningRate: 'fast',
      tasks: ' , ',
      ehrDim: '0',
      imageShape: '64×64',
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
      ehrDim: 'at least 1',
      imageShape: 'height×width×channels, e.g. 64×64×1',
      modelJson: 'a JSON object, e.g. {"d": 32}',
      numMalicious: 'a whole number',
      cron: 'required',
    });
  });

  it('sends differential privacy when the clip and noise multiplier are filled in, δ only when given', () => {
    const dp = buildRunRequest({ ...defaultRunForm, name: 'dp', dpClip: '0.5', dpNoiseMultiplier: '1.1' });
    expect(dp.ok && dp.body.privacy).toEqual({ dp: { clip: 0.5, noiseMultiplier: 1.1 } });
    const withDelta = buildRunRequest({
      ...defaultRunForm,
      name: 'dp',
      dpClip: '0.5',
      dpNoiseMultiplier: '1.1',
      dpDelta: '1e-5',
    });
    expect(withDelta.ok && withDelta.body.privacy).toEqual({
      dp: { clip: 0.5, noiseMultiplier: 1.1, delta: 1e-5 },
    });
    const plain = buildRunRequest({ ...defaultRunForm, name: 'plain' });
    expect(plain.ok && 'privacy' in plain.body).toBe(false);
  });

  it('asks for the noise multiplier when only the clip is given', () => {
    const result = buildRunRequest({ ...defaultRunForm, name: 'dp', dpClip: '0.5' });
    expect(result.ok ? {} : result.errors).toEqual({
      dpNoiseMultiplier: 'required with differential privacy',
    });
  });
});
