import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { defaultModelConfig } from '@fedfuse/model';
import { IMAGE_FAMILIES } from '@fedfuse/data';
import { FUSIONS, RUN_DEFAULTS, STRATEGIES } from '@fedfuse/protocol';

/**
 * Defaults of `fedfuse-sim run`. The training settings are the federation's run defaults (RUN_DEFAULTS,
 * tuned here: the 3-site demo trains in about two minutes on 2 cores, docs/results.md); sites, patients,
 * image size, genes and missingness describe the synthetic data, not a run.
 */
export const DEFAULTS = {
  sites: 3,
  rounds: RUN_DEFAULTS.rounds,
  seed: RUN_DEFAULTS.seed,
  fusion: RUN_DEFAULTS.fusion,
  strategy: RUN_DEFAULTS.strategy,
  patientsPerSite: 600,
  labelSkew: 20,
  epochs: RUN_DEFAULTS.epochs,
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
  fusion: z.enum(FUSIONS),
  strategy: z.enum(STRATEGIES),
  patientsPerSite: z.int().min(10),
  iid: z.boolean(),
  labelSkew: z.number().positive(),
  epochs: z.int().min(1).max(1000),
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
  /** Site daemons started at once; also the parallelism the CPU offers. */
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
});
export type SimulationOptions = z.infer<typeof SimulationOptions>;
export type SimulationInput = z.input<typeof SimulationOptions>;

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
    const issue = parsed.error.issues[0];
    throw new Error(`--${kebab(String(issue?.path[0] ?? 'options'))}: ${issue?.message ?? 'invalid'}`);
  }
  const { poison, poisonSite, sites } = parsed.data;
  if ((poison === undefined) !== (poisonSite === undefined))
    throw new Error('--poison and --poison-site: give both (which site attacks, and how) or neither');
  if (poisonSite !== undefined && poisonSite > sites)
    throw new Error(`--poison-site: ${poisonSite} is not one of the ${sites} sites`);
  return parsed.data;
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
