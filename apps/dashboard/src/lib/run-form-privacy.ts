// The new-run form's secure aggregation and record-level DP fields, judged by the protocol's own schemas
// (the ones the coordinator parses the run with), so the form refuses what the coordinator would.

import type { z } from 'zod';
import { RecordLevelConfig, SecureAggregationConfig } from '@fedfuse/protocol';

/** The form's text for these options; every field empty leaves the option off. */
export interface PrivacyOptionFields {
  /** Secure aggregation: tolerated dropouts turns it on; colluders empty = 0. */
  secAggDropouts: string;
  secAggColluders: string;
  secAggGraph: 'complete' | 'sparse';
  /** Record-level DP-SGD: clip and noise multiplier together; δ optional. */
  recordClip: string;
  recordNoiseMultiplier: string;
  recordDelta: string;
}

export const defaultPrivacyOptions: PrivacyOptionFields = {
  secAggDropouts: '',
  secAggColluders: '',
  secAggGraph: 'complete',
  recordClip: '',
  recordNoiseMultiplier: '',
  recordDelta: '',
};

type Errors = Partial<Record<keyof PrivacyOptionFields, string>>;

/** A number typed in a field, `undefined` when it is empty, the text itself when it is not a number. */
function typed(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

/** Parses `input` with `schema`; each issue goes to the form field its path names. */
function judged<TSchema extends z.ZodType>(args: {
  schema: TSchema;
  input: Record<string, unknown>;
  fields: Record<string, keyof PrivacyOptionFields>;
  errors: Errors;
}): z.output<TSchema> | undefined {
  const { schema, input, fields, errors } = args;
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0]);
    const field = fields[key];
    // Text where a number belongs: say so, not zod's "expected number, received string".
    const text = issue.code === 'invalid_type' && typeof input[key] === 'string';
    if (field) errors[field] ??= text ? 'not a number' : issue.message;
  }
  return undefined;
}

/** `secureAggregation` from the form, or undefined when it is off (tolerated dropouts empty). */
export function secureAggregationSettings(form: PrivacyOptionFields, errors: Errors) {
  const dropouts = typed(form.secAggDropouts);
  const colluders = typed(form.secAggColluders);
  if (dropouts === undefined) {
    if (colluders !== undefined) errors.secAggDropouts = 'required with secure aggregation';
    return undefined;
  }
  const input = {
    toleratedDropouts: dropouts,
    ...(colluders === undefined ? {} : { toleratedColluders: colluders }),
    graph: form.secAggGraph,
  };
  const fields = {
    toleratedDropouts: 'secAggDropouts',
    toleratedColluders: 'secAggColluders',
    graph: 'secAggGraph',
  } as const;
  return judged({ schema: SecureAggregationConfig, input, fields, errors });
}

/** `privacy.recordLevel` from the form, or undefined when all three fields are empty. */
export function recordLevelSettings(form: PrivacyOptionFields, errors: Errors) {
  const clip = typed(form.recordClip);
  const noise = typed(form.recordNoiseMultiplier);
  const delta = typed(form.recordDelta);
  if (clip === undefined && noise === undefined && delta === undefined) return undefined;
  const input = {
    clip: clip ?? null,
    noiseMultiplier: noise ?? null,
    ...(delta === undefined ? {} : { delta }),
  };
  const fields = {
    clip: 'recordClip',
    noiseMultiplier: 'recordNoiseMultiplier',
    delta: 'recordDelta',
  } as const;
  const settings = judged({ schema: RecordLevelConfig, input, fields, errors });
  if (clip === undefined) errors.recordClip = 'required with record-level DP';
  if (noise === undefined) errors.recordNoiseMultiplier = 'required with record-level DP';
  return settings;
}
