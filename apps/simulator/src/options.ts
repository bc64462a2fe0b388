import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { defaultModelConfig } from '@fedfuse/model/spec';
import { IMAGE_FAMILIES } from '@fedfuse/data';
import { FUSIONS, RUN_DEFAULTS, STRATEGIES, formatIssues } from '@fedfuse/protocol';

/** `--dp-record-level` without its own clip and z: Opacus' usual C = 1 and z = 1.1 (Abadi et al.'s range). */
export const RECORD_LEVEL_DEFAULTS = { clip: 1, noiseMultiplier: 1.1 } as const;

/**
 * Defaults of `fedfuse-sim run`. The training settings are the federation's run defaults (RUN_DEFAULTS,
 * tuned here: the 3-site demo trains in about two minutes on 2 cores, docs/results.md); sites, patients,
 * image size, genes and missingness describe the synthetic data, not a run.
 */
const DEFAULTS = {
  sites: 3,
  rounds: RUN_DEFAULTS.rounds,
  seed: RUN_DEFAULTS.seed,
  fusion: RUN_DEFAULTS.fusion,
  strategy: RUN_DEFAULTS.strategy,
  patientsPerSite: 600,
  labelSkew: 20,
  epochs: RUN_DEFAULTS.epochs,
  fraction: RUN_DEFAULTS.fraction,
  batchSize: RUN_DEFAULTS.batchSize,
  learningRate: RUN_DEFAULTS.learningRate,
  modalityKeepProb: RUN_DEFAULTS.modalityKeepProb,
  imageSize: 32,
  imageFamily: 'chest',
  genes: 500,
  missingScale: 0.25,
  weightDecay: RUN_DEFAULTS.l2,
  // The model's own defaults, so a deployment and a simulation train the same loss.
  alignWeight: defaultModelConfig.alignWeight,
  genomicsNoise: defaultModelConfig.genomicsNoise,
  genomicsDecay: defaultModelConfig.genomicsDecayFactor,
} as const;

/** Server learning rate of FedAdam & co when none is given (Flower's 0.1 overshoots a model this small). */
const DEFAULT_SERVER_LR = 0.01;
/** FedProx's μ when none is given. */
const DEFAULT_PROXIMAL_MU = 0.01;

/** The simulated attacks a site daemon knows (FEDFUSE_SIMULATED_POISON in apps/client). */
const POISONS = ['scaled', 'random'] as const;

/** One flag of `fedfuse-sim run`: its name, the option it sets, its value's placeholder and its help. */
export interface RunFlag {
  flag: string;
  key: keyof SimulationInput;
  /** Placeholder of the value; none for a switch. */
  value?: string;
  kind: 'number' | 'string' | 'switch';
  help: string;
}

/** Every flag of `fedfuse-sim run`, declared once: the CLI parses and documents them from here. */
export const RUN_FLAGS: readonly RunFlag[] = [
  {
    flag: 'out',
    key: 'out',
    value: 'DIR',
    kind: 'string',
    help: 'output folder (required): sites/, coordinator/, clients/, logs/, report.*',
  },
  { flag: 'sites', key: 'sites', value: 'N', kind: 'number', help: `hospitals (${DEFAULTS.sites})` },
  {
    flag: 'rounds',
    key: 'rounds',
    value: 'R',
    kind: 'number',
    help: `federated rounds (${DEFAULTS.rounds})`,
  },
  {
    flag: 'seed',
    key: 'seed',
    value: 'S',
    kind: 'number',
    help: `seed of the data, the model and the run (${DEFAULTS.seed})`,
  },
  {
    flag: 'train-seed',
    key: 'trainSeed',
    value: 'S',
    kind: 'number',
    help: 'seed of the model and the run alone (--seed): the same data trained anew, for the spread of a figure',
  },
  {
    flag: 'fusion',
    key: 'fusion',
    value: 'F',
    kind: 'string',
    help: `${FUSIONS.join(' | ')} (${DEFAULTS.fusion})`,
  },
  {
    flag: 'strategy',
    key: 'strategy',
    value: 'S',
    kind: 'string',
    help: `${STRATEGIES.join(' | ')} (${DEFAULTS.strategy})`,
  },
  {
    flag: 'patients-per-site',
    key: 'patientsPerSite',
    value: 'P',
    kind: 'number',
    help: `average patients per site (${DEFAULTS.patientsPerSite})`,
  },
  {
    flag: 'non-iid',
    key: 'labelSkew',
    value: 'ALPHA',
    kind: 'number',
    help: `Dirichlet concentration of each site's label mix; small = strong skew (${DEFAULTS.labelSkew})`,
  },
  {
    flag: 'iid',
    key: 'iid',
    kind: 'switch',
    help: 'identically distributed sites (same label mix, size, missingness, scanner)',
  },
  {
    flag: 'epochs',
    key: 'epochs',
    value: 'E',
    kind: 'number',
    help: `local epochs per round (${DEFAULTS.epochs})`,
  },
  {
    flag: 'fraction',
    key: 'fraction',
    value: 'F',
    kind: 'number',
    help: `fraction of the sites that train each round, sampled by the run's seed; all evaluate (${DEFAULTS.fraction})`,
  },
  {
    flag: 'batch-size',
    key: 'batchSize',
    value: 'B',
    kind: 'number',
    help: `local mini-batch size (${DEFAULTS.batchSize})`,
  },
  {
    flag: 'learning-rate',
    key: 'learningRate',
    value: 'LR',
    kind: 'number',
    help: `local Adam learning rate (${DEFAULTS.learningRate})`,
  },
  {
    flag: 'keep-prob',
    key: 'modalityKeepProb',
    value: 'P',
    kind: 'number',
    help: `modality dropout: probability of keeping each modality (${DEFAULTS.modalityKeepProb})`,
  },
  {
    flag: 'proximal-mu',
    key: 'proximalMu',
    value: 'MU',
    kind: 'number',
    help: `FedProx μ (${DEFAULT_PROXIMAL_MU} with --strategy fedprox, else 0)`,
  },
  {
    flag: 'server-lr',
    key: 'serverLearningRate',
    value: 'ETA',
    kind: 'number',
    help: `server learning rate of fedadam/fedyogi/fedadagrad/fedavgm (${DEFAULT_SERVER_LR} for the first three)`,
  },
  {
    flag: 'image-size',
    key: 'imageSize',
    value: 'PX',
    kind: 'number',
    help: `image side, a multiple of 8 (${DEFAULTS.imageSize})`,
  },
  {
    flag: 'image-family',
    key: 'imageFamily',
    value: 'F',
    kind: 'string',
    help: `${IMAGE_FAMILIES.join(' | ')}: what the images show; axial is the untuned check (${DEFAULTS.imageFamily})`,
  },
  {
    flag: 'genes',
    key: 'genes',
    value: 'G',
    kind: 'number',
    help: `genes in the expression panel, at least 500 (${DEFAULTS.genes})`,
  },
  {
    flag: 'missing',
    key: 'missingScale',
    value: 'SCALE',
    kind: 'number',
    help: `factor on the generator's missing-modality rates; 1 = EHR 0–8 %, imaging 15–40 %, genomics 20–45 % per site (${DEFAULTS.missingScale})`,
  },
  {
    flag: 'weight-decay',
    key: 'weightDecay',
    value: 'L2',
    kind: 'number',
    help: `the model's L2 penalty λ (${DEFAULTS.weightDecay})`,
  },
  {
    flag: 'align-weight',
    key: 'alignWeight',
    value: 'MU',
    kind: 'number',
    help: `μ of the model's cross-modal alignment loss (${DEFAULTS.alignWeight})`,
  },
  {
    flag: 'genomics-noise',
    key: 'genomicsNoise',
    value: 'S',
    kind: 'number',
    help: `std of the genomics encoder's training input noise (${DEFAULTS.genomicsNoise})`,
  },
  {
    flag: 'genomics-decay',
    key: 'genomicsDecay',
    value: 'F',
    kind: 'number',
    help: `factor on the L2 penalty for the genomics branch (${DEFAULTS.genomicsDecay})`,
  },
  {
    flag: 'concurrency',
    key: 'concurrency',
    value: 'C',
    kind: 'number',
    help: 'site host processes, each running its share of the sites on one training worker (the number of cores)',
  },
  {
    flag: 'poison-site',
    key: 'poisonSite',
    value: 'N',
    kind: 'number',
    help: "simulate an attacker: site N's daemon poisons every update it sends (with --poison)",
  },
  {
    flag: 'poison',
    key: 'poison',
    value: 'KIND',
    kind: 'string',
    help: 'scaled (the honest delta × 1e3) | random (N(0, 1) noise instead of training)',
  },
  {
    flag: 'update-norm-bound',
    key: 'updateNormBound',
    value: 'B',
    kind: 'string',
    help: "adaptive | off: the run's adaptive norm bound (the coordinator's default: adaptive)",
  },
  {
    flag: 'secure-aggregation',
    key: 'secureAggregation',
    value: 'D',
    kind: 'number',
    help: 'secure aggregation: sites upload only masked deltas, a round survives D dropouts (with --dp-clip: the sites add the noise)',
  },
  {
    flag: 'dp-clip',
    key: 'dpClip',
    value: 'C',
    kind: 'number',
    help: 'differential privacy (DP-FedAvg): each site clips its delta to L2 norm C (with --dp-noise-multiplier)',
  },
  {
    flag: 'dp-noise-multiplier',
    key: 'dpNoiseMultiplier',
    value: 'Z',
    kind: 'number',
    help: 'DP-FedAvg: the coordinator adds N(0, (Z·C/m)²) to the mean of m clipped deltas (with --dp-clip); under --secure-aggregation the sites add Skellam noise of that total variance before masking',
  },
  {
    flag: 'dp-adaptive',
    key: 'dpAdaptive',
    kind: 'switch',
    help: 'DP-FedAvg: adapt the clip each round to the median delta norm (Andrew et al. 2021)',
  },
  {
    flag: 'dp-delta',
    key: 'dpDelta',
    value: 'D',
    kind: 'number',
    help: "DP-FedAvg: δ of the (ε, δ) guarantee (the coordinator's default: 1/sites^1.1)",
  },
  {
    flag: 'dp-record-level',
    key: 'dpRecordLevel',
    kind: 'switch',
    help: 'record-level DP-SGD at every site: per-patient clipping and noise (ε per patient, per site; with or without DP-FedAvg)',
  },
  {
    flag: 'dp-record-clip',
    key: 'dpRecordClip',
    value: 'C',
    kind: 'number',
    help: `DP-SGD: the L2 bound on each patient's gradient (with --dp-record-level; default ${RECORD_LEVEL_DEFAULTS.clip})`,
  },
  {
    flag: 'dp-record-noise',
    key: 'dpRecordNoise',
    value: 'Z',
    kind: 'number',
    help: `DP-SGD: noise N(0, (Z·C)²) on each batch's sum of clipped gradients (with --dp-record-level; default ${RECORD_LEVEL_DEFAULTS.noiseMultiplier})`,
  },
  {
    flag: 'dp-record-delta',
    key: 'dpRecordDelta',
    value: 'D',
    kind: 'number',
    help: "DP-SGD: δ of each site's per-patient (ε, δ) (with --dp-record-level; default 1/n^1.1 for a site's n training patients)",
  },
  {
    flag: 'dashboard',
    key: 'dashboard',
    kind: 'switch',
    help: 'serve the operator dashboard; print its URL and the operator token, and keep serving it after the run until Ctrl-C',
  },
];

/** The flag that sets an option, for error messages (`labelSkew` is `--non-iid`). */
function flagOf(key: PropertyKey): string {
  return `--${RUN_FLAGS.find((f) => f.key === key)?.flag ?? String(key)}`;
}

/** Everything one simulated federation needs; the CLI fills it from flags and DEFAULTS. */
export const SimulationOptions = z.object({
  out: z
    .string()
    .min(1)
    .transform((p) => resolve(p)),
  sites: z.int().min(1).max(500),
  rounds: z.int().min(1).max(1000),
  seed: z
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  /** Seed of the model's initial weights and of the run (site seeds, sampling); the data keep `seed`. */
  trainSeed: z
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  fusion: z.enum(FUSIONS),
  strategy: z.enum(STRATEGIES),
  patientsPerSite: z.int().min(10),
  iid: z.boolean(),
  labelSkew: z.number().positive(),
  epochs: z.int().min(1).max(1000),
  /** Fraction of the sites sampled to train each round (every site still evaluates every model). */
  fraction: z.number().gt(0).max(1),
  batchSize: z.int().min(1),
  learningRate: z.number().positive(),
  modalityKeepProb: z.number().gt(0).max(1),
  proximalMu: z.number().min(0),
  serverLearningRate: z.number().positive().optional(),
  imageSize: z.int().refine((n) => n >= 16 && n % 8 === 0, 'image size must be a multiple of 8, at least 16'),
  /** What the generated images show (docs/synthetic-data.md): the tuned `chest` or the check `axial`. */
  imageFamily: z.enum(IMAGE_FAMILIES),
  genes: z.int().min(500),
  /** Factor on the generator's missing-modality rates. */
  missingScale: z.number().min(0).max(2),
  /** λ of the model's L2 penalty (the model's own default is 1e-5). */
  weightDecay: z.number().min(0).max(1),
  /** μ of the cross-modal alignment loss (docs/simulator.md: 0.01 slows learning several-fold). */
  alignWeight: z.number().min(0).max(100),
  /** Std of the genomics encoder's training input noise (model spec genomicsNoise). */
  genomicsNoise: z.number().min(0).max(10),
  /** Factor on λ for the genomics branch (model spec genomicsDecayFactor). */
  genomicsDecay: z.number().min(0).max(1000),
  dashboard: z.boolean(),
  /** Site host processes (each trains its sites in turn on one worker): the parallelism the CPU offers. */
  concurrency: z.int().min(1),
  /** Reuse an already generated federation (experiments train several models on the same sites). */
  sitesDir: z.string().optional(),
  roundTimeoutSeconds: z.int().min(10).optional(),
  /** The attacker (1-based site number): its real daemon poisons every delta it sends (`poison`). */
  poisonSite: z.int().min(1).optional(),
  /** `scaled`: the honest delta × 1e3; `random`: N(0, 1) noise instead of training. */
  poison: z.enum(POISONS).optional(),
  /** The run's adaptive norm bound (`off` shows what an attack does without it); the coordinator's default when unset. */
  updateNormBound: z.enum(['adaptive', 'off']).optional(),
  /** Secure aggregation's tolerated dropouts per round; off when unset. */
  secureAggregation: z.int().min(0).max(254).optional(),
  /** DP-FedAvg's clip S (both dpClip and dpNoiseMultiplier, or neither). */
  dpClip: z.number().positive().optional(),
  /** DP-FedAvg's noise multiplier z. */
  dpNoiseMultiplier: z.number().positive().optional(),
  dpAdaptive: z.boolean().optional(),
  dpDelta: z.number().gt(0).lt(1).optional(),
  /** Record-level DP-SGD at every site (its clip and z below, or RECORD_LEVEL_DEFAULTS). */
  dpRecordLevel: z.boolean().optional(),
  dpRecordClip: z.number().positive().optional(),
  dpRecordNoise: z.number().positive().optional(),
  dpRecordDelta: z.number().gt(0).lt(1).optional(),
});
export type SimulationOptions = z.infer<typeof SimulationOptions>;
export type SimulationInput = z.input<typeof SimulationOptions>;

/** The seed the model and the run train with: `--train-seed`, or the data's `--seed`. */
export function trainingSeed(options: Pick<SimulationOptions, 'seed' | 'trainSeed'>): number {
  return options.trainSeed ?? options.seed;
}

/** Options with every default filled in; throws an Error naming the first bad option. */
export function resolveSimulationOptions(
  input: Partial<SimulationInput> & { out: string },
): SimulationOptions {
  const strategy = input.strategy ?? DEFAULTS.strategy;
  const parsed = SimulationOptions.safeParse({
    ...DEFAULTS,
    iid: false,
    dashboard: false,
    concurrency: availableParallelism(),
    proximalMu: strategy === 'fedprox' ? DEFAULT_PROXIMAL_MU : 0,
    serverLearningRate: ['fedadam', 'fedyogi', 'fedadagrad'].includes(strategy)
      ? DEFAULT_SERVER_LR
      : undefined,
    ...withoutUndefined(input),
  });
  if (!parsed.success) {
    const named = parsed.error.issues.map((issue) => ({
      ...issue,
      path: [flagOf(issue.path[0] ?? 'options')],
    }));
    throw new Error(formatIssues(named.slice(0, 1)));
  }
  const { poison, poisonSite, sites } = parsed.data;
  if ((poison === undefined) !== (poisonSite === undefined))
    throw new Error('--poison and --poison-site: give both (which site attacks, and how) or neither');
  if (poisonSite !== undefined && poisonSite > sites)
    throw new Error(`--poison-site: ${poisonSite} is not one of the ${sites} sites`);
  const { dpClip, dpNoiseMultiplier, dpAdaptive, dpDelta } = parsed.data;
  if ((dpClip === undefined) !== (dpNoiseMultiplier === undefined))
    throw new Error('--dp-clip and --dp-noise-multiplier: give both (the clip and the noise) or neither');
  if (dpClip === undefined && (dpAdaptive || dpDelta !== undefined))
    throw new Error('--dp-adaptive and --dp-delta need --dp-clip and --dp-noise-multiplier');
  if (dpAdaptive && parsed.data.secureAggregation !== undefined)
    throw new Error(
      '--secure-aggregation with --dp-adaptive: adaptive clipping needs each site\'s "was my update clipped" bit, which secure aggregation hides; use a fixed --dp-clip',
    );
  const { dpRecordLevel, dpRecordClip, dpRecordNoise, dpRecordDelta } = parsed.data;
  if (!dpRecordLevel && [dpRecordClip, dpRecordNoise, dpRecordDelta].some((v) => v !== undefined))
    throw new Error('--dp-record-clip, --dp-record-noise and --dp-record-delta need --dp-record-level');
  return parsed.data;
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
