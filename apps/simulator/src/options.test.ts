import { Command } from 'commander';
import { describe, expect, it } from 'vitest';

import { RUN_FLAGS, resolveSimulationOptions } from './options.ts';
import { modelConfigFor, privacyFor, runConfigFor, trainingSites } from './run-config.ts';
import type { LoadedFederation } from './federation.ts';
import { commanderOption, flagValues } from './run-flags.ts';

describe(resolveSimulationOptions.name, () => {
  it('takes an attacker as a site number and an attack', () => {
    const options = resolveSimulationOptions({ out: 'x', sites: 5, poisonSite: 5, poison: 'random' });
    expect(options).toMatchObject({ poisonSite: 5, poison: 'random' });
  });

  it('refuses half an attacker, a site that is not there, and an unknown attack, naming the option', () => {
    expect(() => resolveSimulationOptions({ out: 'x', poisonSite: 1 })).toThrow(/--poison and --poison-site/);
    expect(() => resolveSimulationOptions({ out: 'x', sites: 3, poisonSite: 4, poison: 'scaled' })).toThrow(
      /--poison-site: 4 is not one of the 3 sites/,
    );
    expect(() => resolveSimulationOptions({ out: 'x', poisonSite: 1, poison: 'loud' as never })).toThrow(
      /--poison:/,
    );
  });
});

describe('--secure-aggregation', () => {
  it('takes the tolerated dropouts, goes with a fixed --dp-clip, and is refused with --dp-adaptive', () => {
    const command = new Command('run').exitOverride();
    for (const flag of RUN_FLAGS) command.addOption(commanderOption(flag));
    command.parse(['--out', 'o', '--secure-aggregation', '1'], { from: 'user' });
    expect(flagValues(command, RUN_FLAGS).secureAggregation).toBe(1);
    expect(resolveSimulationOptions({ out: 'o', secureAggregation: 1 })).toMatchObject({
      secureAggregation: 1,
    });
    expect(
      resolveSimulationOptions({ out: 'x', secureAggregation: 1, dpClip: 1, dpNoiseMultiplier: 1 }),
    ).toMatchObject({ secureAggregation: 1, dpClip: 1, dpNoiseMultiplier: 1 });
    expect(() =>
      resolveSimulationOptions({
        out: 'x',
        secureAggregation: 1,
        dpClip: 1,
        dpNoiseMultiplier: 1,
        dpAdaptive: true,
      }),
    ).toThrow(/--secure-aggregation with --dp-adaptive/);
  });
});

describe(trainingSites.name, () => {
  it('samples a fraction of the sites each round, at least one, and every site by default', () => {
    expect(resolveSimulationOptions({ out: 'x' }).fraction).toBe(1);
    expect(trainingSites(resolveSimulationOptions({ out: 'x', sites: 200, fraction: 0.1 }))).toBe(20);
    expect(trainingSites({ sites: 3, fraction: 0.1 })).toBe(1);
    expect(() => resolveSimulationOptions({ out: 'x', fraction: 0 })).toThrow(/^--fraction: /);
    expect(() => resolveSimulationOptions({ out: 'x', fraction: 1.5 })).toThrow(/^--fraction: /);
  });
});

describe('RUN_FLAGS', () => {
  it('names the flag a person typed when a value is refused (--non-iid sets labelSkew)', () => {
    expect(() => resolveSimulationOptions({ out: 'x', labelSkew: -1 })).toThrow(/^--non-iid: /);
    expect(() => resolveSimulationOptions({ out: 'x', modalityKeepProb: 2 })).toThrow(/^--keep-prob: /);
  });

  it('parses flags into the options they set, numbers as numbers and switches as true', () => {
    const command = new Command('run').exitOverride();
    for (const flag of RUN_FLAGS) command.addOption(commanderOption(flag));
    command.parse(['--out', 'o', '--non-iid', '3', '--iid', '--keep-prob', '0.5', '--fusion', 'late'], {
      from: 'user',
    });
    expect(flagValues(command, RUN_FLAGS)).toEqual({
      out: 'o',
      labelSkew: 3,
      iid: true,
      modalityKeepProb: 0.5,
      fusion: 'late',
    });
  });
});

describe('--train-seed', () => {
  const loaded = {
    tasks: ['cancer'],
    ehrDim: 4,
    genomicsDim: 500,
    imageShape: [32, 32, 1],
  } as unknown as LoadedFederation;

  it('seeds the model and the run alone; without it they take the data seed', () => {
    const own = resolveSimulationOptions({ out: 'x', seed: 2, trainSeed: 7 });
    expect(own.seed).toBe(2);
    expect(runConfigFor(own, loaded).seed).toBe(7);
    expect(modelConfigFor(own, loaded).seed).toBe(7);
    expect(runConfigFor(own, loaded).name).toContain('seed 2 train seed 7');
    const shared = resolveSimulationOptions({ out: 'x', seed: 2 });
    expect(shared.trainSeed).toBeUndefined();
    expect(runConfigFor(shared, loaded).seed).toBe(2);
    expect(modelConfigFor(shared, loaded).seed).toBe(2);
  });

  it('is refused when it is not a non-negative integer, naming the flag', () => {
    expect(() => resolveSimulationOptions({ out: 'x', trainSeed: -1 })).toThrow(/^--train-seed: /);
    expect(() => resolveSimulationOptions({ out: 'x', trainSeed: 1.5 })).toThrow(/^--train-seed: /);
  });
});

describe(privacyFor.name, () => {
  it('turns --dp-record-level into privacy.recordLevel, with its defaults or its own clip and z', () => {
    expect(privacyFor(resolveSimulationOptions({ out: 'x', dpRecordLevel: true }))).toEqual({
      recordLevel: { clip: 1, noiseMultiplier: 1.1 },
    });
    const both = resolveSimulationOptions({
      out: 'x',
      dpRecordLevel: true,
      dpRecordClip: 0.5,
      dpRecordNoise: 2,
      dpRecordDelta: 1e-5,
      dpClip: 0.1,
      dpNoiseMultiplier: 1,
    });
    expect(privacyFor(both)).toEqual({
      recordLevel: { clip: 0.5, noiseMultiplier: 2, delta: 1e-5 },
      dp: { clip: 0.1, noiseMultiplier: 1 },
    });
  });

  it('refuses a record-level clip or noise without --dp-record-level, naming the flags', () => {
    expect(() => resolveSimulationOptions({ out: 'x', dpRecordNoise: 1 })).toThrow(
      /--dp-record-clip, --dp-record-noise and --dp-record-delta need --dp-record-level/,
    );
    expect(() => resolveSimulationOptions({ out: 'x', dpRecordLevel: true, dpRecordClip: -1 })).toThrow(
      /^--dp-record-clip: /,
    );
  });
});
