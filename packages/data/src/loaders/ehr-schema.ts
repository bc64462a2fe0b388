import type { CategoricalSpec, EhrConfig } from '../config/ehr-config.ts';
import { SiteDataError } from '../errors.ts';
import { parseNumberCell, quoteCell } from '../io/values.ts';
import type { SourceSummary } from './source-result.ts';

/** The encoded EHR layout: numeric features, then one-hot categoricals, then indicators. */
export interface EhrSchema {
  numeric: string[];
  categorical: { name: string; levels: string[] }[];
  /** Units read from `name [unit]` headers or FHIR quantities, for the report. */
  units: Record<string, string>;
}

/** One patient's raw EHR values before standardization. */
export interface EhrRecord {
  line: number;
  /** Raw numeric values in schema order; NaN where missing. */
  numeric: Float64Array;
  /** Level index per categorical feature; -1 where missing. */
  categorical: Int32Array;
}

/** A loaded EHR source: its schema and raw records keyed by patient id. */
export interface EhrResult {
  summary: SourceSummary;
  schema: EhrSchema;
  records: Map<string, EhrRecord>;
  warnings: string[];
}

/** Column names of the encoded EHR block, in the order the batch stores them. */
export function ehrFeatureNames(schema: EhrSchema): string[] {
  return [
    ...schema.numeric,
    ...schema.categorical.flatMap((c) => c.levels.map((level) => `${c.name}=${level}`)),
    ...schema.numeric.map((name) => `${name}_missing`),
  ];
}

/** Width of the encoded EHR block (numeric + one-hot + one indicator per numeric feature). */
export function ehrDim(schema: EhrSchema): number {
  return 2 * schema.numeric.length + schema.categorical.reduce((sum, c) => sum + c.levels.length, 0);
}

/** Options for {@link resolveEhrSchema}. */
export interface ResolveSchemaOptions {
  file: string;
  config: EhrConfig;
  /** Features found in the data, in file order. */
  features: string[];
  /** Features known to be numeric from the data itself (a unit in the header, a FHIR Quantity). */
  numericHint: ReadonlySet<string>;
  /** All raw values seen for a feature, for type and level inference. */
  values: (feature: string) => Iterable<string>;
  missingValues: ReadonlySet<string>;
  units: Record<string, string>;
}

/**
 * Decides each feature's type and levels. Declared types win; undeclared features are
 * numeric when they carry a unit or most of their values parse as numbers. When the config
 * declares both lists, the schema is closed and extra columns are ignored with a warning.
 */
export function resolveEhrSchema(options: ResolveSchemaOptions): { schema: EhrSchema; warnings: string[] } {
  const { config, features, file } = options;
  const warnings: string[] = [];
  const declared = [...(config.numeric ?? []), ...(config.categorical ?? []).map((c) => c.name)];
  const missing = declared.filter((name) => !features.includes(name));
  if (missing.length > 0) {
    throw new SiteDataError({
      file,
      reason: `declared EHR features not found in the data: ${missing.join(', ')}`,
    });
  }
  const closed = config.numeric !== undefined && config.categorical !== undefined;
  const numeric = [...(config.numeric ?? [])];
  const categorical: CategoricalSpec[] = [...(config.categorical ?? [])];
  for (const feature of features) {
    if (declared.includes(feature)) continue;
    if (closed) {
      warnings.push(
        `${file}: column '${feature}' ignored: not declared under ehr.numeric or ehr.categorical`,
      );
    } else if (
      options.numericHint.has(feature) ||
      mostlyNumeric(options.values(feature), options.missingValues)
    ) {
      numeric.push(feature);
    } else {
      categorical.push({ name: feature });
    }
  }
  const resolved = categorical.map((c) => {
    if (c.levels) return { name: c.name, levels: c.levels };
    const levels = inferLevels(options.values(c.name), options.missingValues);
    warnings.push(
      `${file}: levels of '${c.name}' inferred from this site's data (${levels.join(', ')}); ` +
        `declare them under ehr.categorical so every site encodes the same columns`,
    );
    return { name: c.name, levels };
  });
  const units = Object.fromEntries(numeric.flatMap((n) => (options.units[n] ? [[n, options.units[n]]] : [])));
  return { schema: { numeric, categorical: resolved, units }, warnings };
}

function mostlyNumeric(values: Iterable<string>, missing: ReadonlySet<string>): boolean {
  let numbers = 0;
  let others = 0;
  for (const v of values) {
    const cell = parseNumberCell(v, missing);
    if (cell.kind === 'number') numbers += 1;
    else if (cell.kind === 'invalid') others += 1;
  }
  return numbers > others;
}

function inferLevels(values: Iterable<string>, missing: ReadonlySet<string>): string[] {
  const levels = new Set<string>();
  for (const v of values) {
    const t = v.trim();
    if (!missing.has(t)) levels.add(t);
  }
  return [...levels].sort();
}

/** Parses one numeric EHR cell; returns NaN for missing or an error message. */
export function numericValue(options: {
  raw: string;
  feature: string;
  missing: ReadonlySet<string>;
}): number | string {
  const cell = parseNumberCell(options.raw, options.missing);
  if (cell.kind === 'number') return cell.value;
  if (cell.kind === 'missing') return Number.NaN;
  return `non-numeric value ${quoteCell(options.raw)} in numeric column '${options.feature}'`;
}

/** Finds a categorical level; returns -1 for missing or an error message for unknown levels. */
export function levelIndex(options: {
  raw: string;
  spec: { name: string; levels: string[] };
  missing: ReadonlySet<string>;
}): number | string {
  const t = options.raw.trim();
  if (options.missing.has(t)) return -1;
  const i = options.spec.levels.indexOf(t);
  if (i !== -1) return i;
  return `unknown level ${quoteCell(t)} for '${options.spec.name}' (expected one of ${options.spec.levels.join(', ')})`;
}
