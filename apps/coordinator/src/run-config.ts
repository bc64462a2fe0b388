import { ModelSpec, RUN_DEFAULTS, STRATEGIES, label } from '@fedfuse/protocol';
import { defaultModelConfig } from '@fedfuse/model';
import { z } from 'zod';
import { DERIVABLE_FIELDS, type DerivableField, type ModelInputs } from './spec-derivation.ts';

/** Strategy and its hyper-parameters; unset ones take Flower's defaults. */
export const StrategyConfig = z.object({
  name: z.enum(STRATEGIES).default(RUN_DEFAULTS.strategy),
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
  epochs: z.int().min(1).max(1000).default(RUN_DEFAULTS.epochs),
  batchSize: z.int().min(1).max(65_536).default(RUN_DEFAULTS.batchSize),
  learningRate: z.number().positive().max(10).default(RUN_DEFAULTS.learningRate),
  modalityKeepProb: z.number().gt(0).max(1).default(RUN_DEFAULTS.modalityKeepProb),
  proximalMu: z.number().min(0).max(1000).default(RUN_DEFAULTS.proximalMu),
});

/** When a run starts by itself: a cron expression or a fixed interval. */
export const RunSchedule = z
  .object({ cron: z.string().min(1).max(200).optional(), intervalSeconds: z.int().min(1).optional() })
  .refine(
    (s) => (s.cron === undefined) !== (s.intervalSeconds === undefined),
    'give exactly one of cron or intervalSeconds',
  );

/** The operator's model spec: every field optional; the inputs left out are derived from the sites. */
const ModelRequest = ModelSpec.partial().extend({
  modalities: ModelSpec.shape.modalities.unwrap().optional(),
});

/** What the operator sends to create a run. */
export const RunConfig = z.object({
  name: label(200),
  model: ModelRequest.default({}),
  strategy: StrategyConfig.default({ name: RUN_DEFAULTS.strategy }),
  rounds: z.int().min(1).max(10_000).default(RUN_DEFAULTS.rounds),
  minClients: z.int().min(1).default(RUN_DEFAULTS.minClients),
  minAvailableClients: z.int().min(1).optional(),
  fraction: z.number().min(0).max(1).default(RUN_DEFAULTS.fraction),
  roundTimeoutSeconds: z.int().min(1).max(86_400).default(RUN_DEFAULTS.roundTimeoutSeconds),
  evaluationTimeoutSeconds: z.int().min(1).max(86_400).default(RUN_DEFAULTS.evaluationTimeoutSeconds),
  local: LocalTraining.prefault({}),
  /** A fixed bound on the L2 norm of a site's delta, checked as it arrives; larger updates are refused. */
  maxUpdateNorm: z.number().positive().optional(),
  /**
   * F3: `adaptive` (default) excludes an update whose delta norm exceeds 5 × the round's median delta norm
   * (3 or more updates); `off` aggregates whatever passes the other checks. docs/strategies.md says when.
   */
  updateNormBound: z.enum(['adaptive', 'off']).default('adaptive'),
  histogramBins: z.int().min(2).max(1000).default(RUN_DEFAULTS.histogramBins),
  /** Early stopping: end the run once this many rounds pass without a better validation AUC (unset: off). */
  patience: z.int().min(1).max(10_000).optional(),
  seed: z
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(RUN_DEFAULTS.seed),
  schedule: RunSchedule.optional(),
});
export type RunConfigInput = z.input<typeof RunConfig>;

/** A run's configuration with every default filled in, including the full model spec (a started run). */
export type ResolvedRunConfig = Omit<z.infer<typeof RunConfig>, 'model'> & { model: ModelSpec };

/** The model as stored before the run starts: the inputs the operator left out are still to be derived. */
export type ModelDraft = Omit<ModelSpec, DerivableField> & Partial<ModelInputs>;

/** A created run's configuration: defaults filled in, the model's inputs possibly still to be derived. */
export type DraftRunConfig = Omit<ResolvedRunConfig, 'model'> & { model: ModelDraft };

/** The model's architecture defaults: the model package's, with the run defaults' L2. */
const MODEL_DEFAULTS: ModelSpec = { ...defaultModelConfig, l2: RUN_DEFAULTS.l2 };

/** Widths for modalities outside the spec's `modalities` (the model builds no input for them). */
export const INPUT_PLACEHOLDERS = {
  ehrDim: MODEL_DEFAULTS.ehrDim,
  genomicsDim: MODEL_DEFAULTS.genomicsDim,
  imageShape: MODEL_DEFAULTS.imageShape,
};

/** The operator's explicit model inputs (the fields the sites would otherwise decide). */
export function requestedInputs(model: ModelDraft): Partial<ModelInputs> {
  const inputs: Partial<ModelInputs> = Object.fromEntries(
    DERIVABLE_FIELDS.filter((f) => model[f] !== undefined).map((f) => [f, model[f]]),
  );
  return inputs;
}

/** The spec when the operator gave every input it needs (modalities default to all three), else undefined. */
export function explicitSpec(model: ModelDraft): ModelSpec | undefined {
  const given = DERIVABLE_FIELDS.every((f) => f === 'modalities' || model[f] !== undefined);
  return given ? ModelSpec.parse(model) : undefined;
}

/**
 * Validates an operator's run request and fills in the run defaults and the model's architecture defaults;
 * the model's inputs the operator left out stay out, to be derived from the sites when the run starts.
 */
export function resolveRunConfig(
  raw: unknown,
): { ok: true; config: DraftRunConfig } | { ok: false; message: string } {
  const parsed = RunConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, message: `${issue.path.join('.') || 'run'}: ${issue.message}` };
  }
  const { model, ...rest } = parsed.data;
  const architecture = Object.fromEntries(
    Object.entries(MODEL_DEFAULTS).filter(([key]) => !(DERIVABLE_FIELDS as readonly string[]).includes(key)),
  );
  const draft = { ...architecture, ...model } as ModelDraft;
  const spec = ModelSpec.safeParse({ ...MODEL_DEFAULTS, ...draft });
  if (!spec.success) {
    const issue = spec.error.issues[0]!;
    return { ok: false, message: `model.${issue.path.join('.')}: ${issue.message}` };
  }
  if (rest.minAvailableClients !== undefined && rest.minAvailableClients < rest.minClients) {
    return { ok: false, message: 'minAvailableClients must be at least minClients' };
  }
  return { ok: true, config: { ...rest, model: draft } };
}
