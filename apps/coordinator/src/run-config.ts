import { ModelSpec, STRATEGIES } from '@fedfuse/protocol';
import { defaultModelConfig } from '@fedfuse/model';
import { z } from 'zod';

/** Strategy and its hyper-parameters; unset ones take Flower's defaults. */
export const StrategyConfig = z.object({
  name: z.enum(STRATEGIES).default('fedavg'),
  serverLearningRate: z.number().positive().optional(),
  beta1: z.number().min(0).max(1).optional(),
  beta2: z.number().min(0).max(1).optional(),
  tau: z.number().positive().optional(),
  momentum: z.number().min(0).max(1).optional(),
  trimBeta: z.number().min(0).max(0.5).optional(),
  numMalicious: z.int().min(0).optional(),
  numToKeep: z.int().min(0).optional(),
});
export type StrategyConfig = z.infer<typeof StrategyConfig>;

/** Local training settings sent to every selected site. */
export const LocalTraining = z.object({
  epochs: z.int().min(1).max(1000).default(1),
  batchSize: z.int().min(1).max(65_536).default(32),
  learningRate: z.number().positive().max(10).default(3e-3),
  modalityKeepProb: z.number().gt(0).max(1).default(0.85),
  proximalMu: z.number().min(0).max(1000).default(0),
});

/** When a run starts by itself: a cron expression or a fixed interval. */
export const RunSchedule = z
  .object({ cron: z.string().min(1).max(200).optional(), intervalSeconds: z.int().min(1).optional() })
  .refine(
    (s) => (s.cron === undefined) !== (s.intervalSeconds === undefined),
    'give exactly one of cron or intervalSeconds',
  );

/** What the operator sends to create a run. */
export const RunConfig = z.object({
  name: z.string().trim().min(1).max(200),
  model: ModelSpec.partial().default({}),
  strategy: StrategyConfig.default({ name: 'fedavg' }),
  rounds: z.int().min(1).max(10_000).default(5),
  minClients: z.int().min(1).default(2),
  minAvailableClients: z.int().min(1).optional(),
  fraction: z.number().min(0).max(1).default(1),
  roundTimeoutSeconds: z.int().min(1).max(86_400).default(600),
  evaluationTimeoutSeconds: z.int().min(1).max(86_400).default(300),
  local: LocalTraining.prefault({}),
  /** Bound on the L2 norm of a site's delta; larger updates are refused. */
  maxUpdateNorm: z.number().positive().optional(),
  histogramBins: z.int().min(2).max(1000).default(1000),
  /** Early stopping: end the run once this many rounds pass without a better validation AUC (unset: off). */
  patience: z.int().min(1).max(10_000).optional(),
  seed: z
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
  schedule: RunSchedule.optional(),
});
export type RunConfigInput = z.input<typeof RunConfig>;

/** A run's configuration with every default filled in, including the full model spec. */
export type ResolvedRunConfig = Omit<z.infer<typeof RunConfig>, 'model'> & { model: ModelSpec };

/** Validates an operator's run request and completes the model spec from the model package's defaults. */
export function resolveRunConfig(
  raw: unknown,
): { ok: true; config: ResolvedRunConfig } | { ok: false; message: string } {
  const parsed = RunConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, message: `${issue.path.join('.') || 'run'}: ${issue.message}` };
  }
  const { model, ...rest } = parsed.data;
  const spec = ModelSpec.safeParse({ ...defaultModelConfig, ...model });
  if (!spec.success) {
    const issue = spec.error.issues[0]!;
    return { ok: false, message: `model.${issue.path.join('.')}: ${issue.message}` };
  }
  if (rest.minAvailableClients !== undefined && rest.minAvailableClients < rest.minClients) {
    return { ok: false, message: 'minAvailableClients must be at least minClients' };
  }
  return { ok: true, config: { ...rest, model: spec.data } };
}
