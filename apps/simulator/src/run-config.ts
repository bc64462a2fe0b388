import type { RunConfigInput } from '@fedfuse/protocol';
import type { LoadedFederation } from './federation.ts';
import type { SimulationOptions } from './options.ts';
import { RECORD_LEVEL_DEFAULTS, trainingSeed } from './options.ts';

/** The model settings a simulation chooses; the rest are the model's defaults. */
export type ModelChoices = Pick<
  SimulationOptions,
  'fusion' | 'weightDecay' | 'alignWeight' | 'genomicsNoise' | 'genomicsDecay' | 'seed' | 'trainSeed'
>;

/** The model for `loaded`'s data: the run's model spec and the central baselines' model alike. */
export function modelConfigFor(options: ModelChoices, loaded: LoadedFederation) {
  return {
    fusion: options.fusion,
    tasks: loaded.tasks,
    ehrDim: loaded.ehrDim,
    genomicsDim: loaded.genomicsDim,
    imageShape: loaded.imageShape,
    l2: options.weightDecay,
    alignWeight: options.alignWeight,
    genomicsNoise: options.genomicsNoise,
    genomicsDecayFactor: options.genomicsDecay,
    seed: trainingSeed(options),
  };
}

/**
 * The run the simulator asks the coordinator for (`POST /api/runs`), as an operator would: the model's
 * input widths come from the generated data; `fraction` of the sites (all by default) train each round.
 */
export function runConfigFor(options: SimulationOptions, loaded: LoadedFederation): RunConfigInput {
  return {
    name: `fedfuse-sim ${options.fusion} ${options.strategy} seed ${options.seed}${options.trainSeed === undefined ? '' : ` train seed ${options.trainSeed}`}`,
    rounds: options.rounds,
    minClients: trainingSites(options),
    fraction: options.fraction,
    seed: trainingSeed(options),
    model: modelConfigFor(options, loaded),
    strategy: {
      name: options.strategy,
      ...(options.serverLearningRate !== undefined ? { serverLearningRate: options.serverLearningRate } : {}),
    },
    local: {
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      modalityKeepProb: options.modalityKeepProb,
      proximalMu: options.proximalMu,
    },
    roundTimeoutSeconds: options.roundTimeoutSeconds ?? roundTimeout(options),
    evaluationTimeoutSeconds: 1800,
    ...(options.updateNormBound ? { updateNormBound: options.updateNormBound } : {}),
    ...(options.secureAggregation !== undefined
      ? { secureAggregation: { toleratedDropouts: options.secureAggregation } }
      : {}),
    privacy: privacyFor(options),
  };
}

/**
 * The run's DP settings from the --dp-* flags. Adaptive clipping's count noise is Andrew et al.'s m/20,
 * raised to z where that is too small for the update's share of the noise to exist (2σ_b must exceed z).
 */
export function privacyFor(options: SimulationOptions): NonNullable<RunConfigInput['privacy']> {
  const recordLevel = options.dpRecordLevel
    ? {
        recordLevel: {
          clip: options.dpRecordClip ?? RECORD_LEVEL_DEFAULTS.clip,
          noiseMultiplier: options.dpRecordNoise ?? RECORD_LEVEL_DEFAULTS.noiseMultiplier,
          ...(options.dpRecordDelta !== undefined ? { delta: options.dpRecordDelta } : {}),
        },
      }
    : {};
  const { dpClip: clip, dpNoiseMultiplier: noiseMultiplier } = options;
  if (clip === undefined || noiseMultiplier === undefined) return recordLevel;
  const sites = trainingSites(options);
  return {
    ...recordLevel,
    dp: {
      clip,
      noiseMultiplier,
      ...(options.dpAdaptive ? { adaptive: { countNoiseStd: Math.max(sites / 20, noiseMultiplier) } } : {}),
      ...(options.dpDelta !== undefined ? { delta: options.dpDelta } : {}),
    },
  };
}

/** The sites sampled each round: the coordinator's sampler takes max(⌊sites × fraction⌋, minClients). */
export function trainingSites(options: Pick<SimulationOptions, 'sites' | 'fraction'>): number {
  return Math.max(1, Math.floor(options.sites * options.fraction));
}

/** Generous deadlines: the sites share a few cores, so a round's wall time grows with their number. */
function roundTimeout(options: SimulationOptions): number {
  const work = trainingSites(options) * options.patientsPerSite * options.epochs;
  return Math.min(86_400, Math.max(600, Math.ceil(work / 10)));
}
