// The "new run" form: its fields as typed text, and the POST /api/runs body built from them. The defaults
// are the protocol's RunConfig's; checks here only catch what a person mistypes (a letter in a number
// field): the coordinator judges the rest with RunConfig and the form shows its words.

import type { RunConfigInput, STRATEGIES } from '@fedfuse/protocol';
import { RUN_DEFAULTS, RunConfig } from '@fedfuse/protocol';
import type { PrivacyOptionFields } from './run-form-privacy.ts';
import { defaultPrivacyOptions, recordLevelSettings, secureAggregationSettings } from './run-form-privacy.ts';
export type StrategyName = (typeof STRATEGIES)[number];

export type StrategyParam =
  'serverLearningRate' | 'beta1' | 'beta2' | 'tau' | 'momentum' | 'trimBeta' | 'numMalicious' | 'numToKeep';

/** A strategy hyper-parameter: its label and the default the coordinator uses when it is left blank. */
export interface ParamInfo {
  label: string;
  placeholder: string;
  integer?: boolean;
}

export const PARAM_INFO: Record<StrategyParam, ParamInfo> = {
  serverLearningRate: { label: 'Server learning rate (η)', placeholder: 'default' },
  beta1: { label: 'β₁', placeholder: '0.9' },
  beta2: { label: 'β₂', placeholder: '0.99' },
  tau: { label: 'τ (adaptivity)', placeholder: 'default' },
  momentum: { label: 'Server momentum', placeholder: '0' },
  trimBeta: { label: 'Trim fraction β', placeholder: '0.2' },
  numMalicious: { label: 'Assumed malicious sites', placeholder: '0', integer: true },
  numToKeep: { label: 'Updates to keep (multi-Krum)', placeholder: '0', integer: true },
};

/** Which hyper-parameters each strategy reads (FedProx's μ is a local-training setting). */
export const STRATEGY_PARAMS: Record<StrategyName, StrategyParam[]> = {
  fedavg: [],
  fedprox: [],
  fedadam: ['serverLearningRate', 'beta1', 'beta2', 'tau'],
  fedyogi: ['serverLearningRate', 'beta1', 'beta2', 'tau'],
  fedadagrad: ['serverLearningRate', 'tau'],
  fedavgm: ['serverLearningRate', 'momentum'],
  fedmedian: [],
  trimmedmean: ['trimBeta'],
  krum: ['numMalicious', 'numToKeep'],
};

export interface RunFormValues extends PrivacyOptionFields {
  name: string;
  fusion: string;
  /** Comma- or space-separated task names; empty: every task the approved sites label. */
  tasks: string;
  /** The model's inputs; each left empty is derived from the approved sites' data schemas at start. */
  ehrDim: string;
  genomicsDim: string;
  /** `height×width×channels`, e.g. 64×64×1 (x or commas work too). */
  imageShape: string;
  /** λ of the model's L2 penalty. */
  l2: string;
  /** Further model-spec fields as a JSON object, e.g. smaller layers for a trial run. */
  modelJson: string;
  strategy: StrategyName;
  params: Partial<Record<StrategyParam, string>>;
  rounds: string;
  minClients: string;
  fraction: string;
  roundTimeoutSeconds: string;
  epochs: string;
  batchSize: string;
  learningRate: string;
  modalityKeepProb: string;
  proximalMu: string;
  scheduleKind: 'none' | 'cron' | 'interval';
  cron: string;
  intervalSeconds: string;
  /** DP-FedAvg's clip and noise multiplier: both empty is a run without differential privacy. */
  dpClip: string;
  dpNoiseMultiplier: string;
  /** δ; empty: the coordinator's default (1/sites^1.1). */
  dpDelta: string;
}

/** RunConfig's own defaults: what the coordinator fills in for a field the request leaves out. */
const DEFAULTS = RunConfig.parse({ name: 'defaults' });

/** The run defaults (RunConfig's, the ones the coordinator and the simulator use); inputs left to the sites. */
export const defaultRunForm: RunFormValues = {
  name: '',
  fusion: RUN_DEFAULTS.fusion,
  tasks: '',
  ehrDim: '',
  genomicsDim: '',
  imageShape: '',
  l2: String(RUN_DEFAULTS.l2),
  modelJson: '',
  strategy: DEFAULTS.strategy.name,
  params: {},
  rounds: String(DEFAULTS.rounds),
  minClients: String(DEFAULTS.minClients),
  fraction: String(DEFAULTS.fraction),
  roundTimeoutSeconds: String(DEFAULTS.roundTimeoutSeconds),
  epochs: String(DEFAULTS.local.epochs),
  batchSize: String(DEFAULTS.local.batchSize),
  learningRate: String(DEFAULTS.local.learningRate),
  modalityKeepProb: String(DEFAULTS.local.modalityKeepProb),
  proximalMu: String(DEFAULTS.local.proximalMu),
  scheduleKind: 'none',
  cron: '0 2 * * *',
  intervalSeconds: '86400',
  dpClip: '',
  dpNoiseMultiplier: '',
  dpDelta: '',
  ...defaultPrivacyOptions,
};

export type RunFormErrors = Partial<Record<keyof RunFormValues | StrategyParam, string>>;
export type RunFormResult = { ok: true; body: RunConfigInput } | { ok: false; errors: RunFormErrors };

type NumberField = Exclude<
  keyof RunFormValues,
  | keyof PrivacyOptionFields
  | 'name'
  | 'fusion'
  | 'tasks'
  | 'ehrDim'
  | 'genomicsDim'
  | 'imageShape'
  | 'modelJson'
  | 'strategy'
  | 'params'
  | 'scheduleKind'
  | 'cron'
  | 'dpClip'
  | 'dpNoiseMultiplier'
  | 'dpDelta'
>;

const INTEGER_FIELDS = new Set<NumberField>([
  'rounds',
  'minClients',
  'roundTimeoutSeconds',
  'epochs',
  'batchSize',
  'intervalSeconds',
]);

function parseNumber(text: string, integer: boolean): number | string {
  const trimmed = text.trim();
  if (trimmed === '') return 'required';
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return 'not a number';
  if (integer && !Number.isInteger(value)) return 'a whole number';
  return value;
}

function parseModelJson(text: string): Record<string, unknown> | string {
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return 'a JSON object, e.g. {"d": 32}';
    return value as Record<string, unknown>;
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
}

/** A whole number ≥ 1, or why not; empty text is `undefined` (left to the sites). */
function parseWidth(text: string): number | string | undefined {
  if (!text.trim()) return undefined;
  const value = parseNumber(text, true);
  return typeof value === 'number' && value < 1 ? 'at least 1' : value;
}

/** `64×64×1`, `64x64x1` or `64, 64, 1`; empty text is `undefined` (left to the sites). */
function parseImageShape(text: string): [number, number, number] | string | undefined {
  if (!text.trim()) return undefined;
  const parts = text
    .split(/\s*[×x,]\s*|\s+/)
    .filter(Boolean)
    .map(Number);
  if (parts.length !== 3 || !parts.every((n) => Number.isInteger(n) && n >= 1))
    return 'height×width×channels, e.g. 64×64×1';
  return [parts[0]!, parts[1]!, parts[2]!];
}

/** The model inputs the operator filled in; those left empty are not sent, so the coordinator derives them. */
function modelInputs(form: RunFormValues, errors: RunFormErrors): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  const tasks = form.tasks.split(/[\s,]+/).filter(Boolean);
  if (tasks.length > 0) inputs.tasks = tasks;
  for (const field of ['ehrDim', 'genomicsDim'] as const) {
    const value = parseWidth(form[field]);
    if (typeof value === 'string') errors[field] = value;
    else if (value !== undefined) inputs[field] = value;
  }
  const shape = parseImageShape(form.imageShape);
  if (typeof shape === 'string') errors.imageShape = shape;
  else if (shape) inputs.imageShape = shape;
  return inputs;
}

/** Builds the POST /api/runs body, or says which fields need fixing. */
export function buildRunRequest(form: RunFormValues): RunFormResult {
  const errors: RunFormErrors = {};
  const number = (field: NumberField): number => {
    const value = parseNumber(form[field], INTEGER_FIELDS.has(field));
    if (typeof value === 'string') errors[field] = value;
    return typeof value === 'number' ? value : 0;
  };
  if (!form.name.trim()) errors.name = 'required';
  const inputs = modelInputs(form, errors);
  const extra = parseModelJson(form.modelJson);
  if (typeof extra === 'string') errors.modelJson = extra;

  const strategy: Record<string, number | string> = { name: form.strategy };
  for (const param of STRATEGY_PARAMS[form.strategy]) {
    const text = form.params[param] ?? '';
    if (!text.trim()) continue;
    const value = parseNumber(text, PARAM_INFO[param].integer ?? false);
    if (typeof value === 'string') errors[param] = value;
    else strategy[param] = value;
  }
  const body: Record<string, unknown> = {
    name: form.name.trim(),
    model: { ...(typeof extra === 'string' ? {} : extra), fusion: form.fusion, l2: number('l2'), ...inputs },
    strategy,
    rounds: number('rounds'),
    minClients: number('minClients'),
    fraction: number('fraction'),
    roundTimeoutSeconds: number('roundTimeoutSeconds'),
    local: {
      epochs: number('epochs'),
      batchSize: number('batchSize'),
      learningRate: number('learningRate'),
      modalityKeepProb: number('modalityKeepProb'),
      proximalMu: number('proximalMu'),
    },
  };
  const recordLevel = recordLevelSettings(form, errors);
  const privacy = { ...privacySettings(form, errors), ...(recordLevel ? { recordLevel } : {}) };
  if (Object.keys(privacy).length > 0) body.privacy = privacy;
  const secureAggregation = secureAggregationSettings(form, errors);
  if (secureAggregation) body.secureAggregation = secureAggregation;
  if (form.scheduleKind === 'cron') {
    if (!form.cron.trim()) errors.cron = 'required';
    body.schedule = { cron: form.cron.trim() };
  } else if (form.scheduleKind === 'interval') {
    body.schedule = { intervalSeconds: number('intervalSeconds') };
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body: body as RunConfigInput };
}

/** `privacy.dp` from the form: clip and noise multiplier together (both empty: no DP), δ optional. */
function privacySettings(
  form: RunFormValues,
  errors: RunFormErrors,
): { dp: Record<string, number> } | undefined {
  const given = (text: string) => text.trim() !== '';
  if (!given(form.dpClip) && !given(form.dpNoiseMultiplier) && !given(form.dpDelta)) return undefined;
  const dp: Record<string, number> = {};
  for (const field of ['dpClip', 'dpNoiseMultiplier', 'dpDelta'] as const) {
    if (field === 'dpDelta' && !given(form.dpDelta)) continue;
    const value = parseNumber(form[field], false);
    if (typeof value === 'string')
      errors[field] = field === 'dpDelta' ? value : `${value} with differential privacy`;
    else dp[{ dpClip: 'clip', dpNoiseMultiplier: 'noiseMultiplier', dpDelta: 'delta' }[field]] = value;
  }
  return { dp };
}
