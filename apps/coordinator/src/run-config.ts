import {
  ModelSpec,
  RUN_DEFAULTS,
  RunConfig,
  formatIssues,
  privacyConflict,
  secureAggregationConflict,
} from '@fedfuse/protocol';
import { defaultModelConfig } from '@fedfuse/model';
import { planRoundSecAgg } from './secure-aggregation-plan.ts';
import { DERIVABLE_FIELDS, type DerivableField, type ModelInputs } from './spec-derivation.ts';

// The request schema and its defaults are the protocol's (RunConfig); this file fills in the model.

/** A run's configuration with every default filled in, including the full model spec (a started run). */
export type ResolvedRunConfig = Omit<RunConfig, 'model'> & { model: ModelSpec };

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
  if (!parsed.success) return { ok: false, message: formatIssues(parsed.error.issues) };
  const { model, ...rest } = parsed.data;
  const architecture = Object.fromEntries(
    Object.entries(MODEL_DEFAULTS).filter(([key]) => !(DERIVABLE_FIELDS as readonly string[]).includes(key)),
  );
  const draft = { ...architecture, ...model } as ModelDraft;
  const spec = ModelSpec.safeParse({ ...MODEL_DEFAULTS, ...draft });
  if (!spec.success) return { ok: false, message: formatIssues(spec.error.issues, ['model']) };
  if (rest.minAvailableClients !== undefined && rest.minAvailableClients < rest.minClients) {
    return { ok: false, message: 'minAvailableClients must be at least minClients' };
  }
  const conflict = privacyConflict(rest) ?? secureAggregationConflict(rest);
  if (conflict) return { ok: false, message: conflict };
  if (rest.secureAggregation) {
    const plan = planRoundSecAgg(rest.secureAggregation, rest.minClients);
    // With privacy.dp the sites add distributed Skellam noise before masking (adaptive clipping is refused above).
    if (!plan.ok) return { ok: false, message: plan.message };
  }
  return { ok: true, config: { ...rest, model: draft } };
}
