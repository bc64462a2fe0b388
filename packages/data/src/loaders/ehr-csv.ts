import type { EhrConfig } from '../config/ehr-config.ts';
import type { Rejection } from '../errors.ts';
import { assertRejectedFraction, dropDuplicateIds, readTable } from '../io/table.ts';
import { levelIndex, numericValue, resolveEhrSchema, type EhrRecord, type EhrResult } from './ehr-schema.ts';

/** Options for {@link loadEhrCsv}. */
export interface LoadEhrOptions {
  config: EhrConfig;
  idColumn: string;
  missingValues: ReadonlySet<string>;
  maxRejectedFraction: number;
}

/**
 * Loads an EHR table (`patient_id` plus numeric and categorical columns, `name [unit]`
 * headers allowed). A row with a non-numeric value in a numeric column or an undeclared
 * level is rejected whole, so no patient is loaded with a silently blanked value.
 */
export async function loadEhrCsv(options: LoadEhrOptions): Promise<EhrResult> {
  const file = options.config.paths[0] ?? '';
  const rejected: Rejection[] = [];
  const reject = (r: Rejection): void => void rejected.push(r);
  const table = await readTable({ file, source: 'ehr', idColumn: options.idColumn, reject });
  const { columns, idIndex } = table.header;
  const features = columns.filter((_, i) => i !== idIndex).map((c) => c.name);
  const index = new Map(columns.map((c, i) => [c.name, i]));
  const units: Record<string, string> = {};
  for (const c of columns) if (c.unit !== undefined) units[c.name] = c.unit;
  const rows = dropDuplicateIds(table.rows, { file, source: 'ehr', idColumn: options.idColumn, reject });
  const { schema, warnings } = resolveEhrSchema({
    file,
    config: options.config,
    features,
    numericHint: new Set(Object.keys(units)),
    values: (f) => rows.map((r) => r.fields[index.get(f) ?? -1] ?? ''),
    missingValues: options.missingValues,
    units,
  });
  const numericAt = schema.numeric.map((f) => index.get(f) ?? -1);
  const categoricalAt = schema.categorical.map((c) => index.get(c.name) ?? -1);
  const records = new Map<string, EhrRecord>();
  for (const row of rows) {
    const record: EhrRecord = {
      line: row.line,
      numeric: new Float64Array(schema.numeric.length),
      categorical: new Int32Array(schema.categorical.length),
    };
    const problem = fillRecord({ record, fields: row.fields, numericAt, categoricalAt, schema, options });
    if (problem === undefined) records.set(row.id, record);
    else reject({ source: 'ehr', file, line: row.line, patientId: row.id, reason: problem });
  }
  assertRejectedFraction({ file, records: table.records, rejected, max: options.maxRejectedFraction });
  return {
    summary: { source: 'ehr', file, records: table.records, accepted: records.size, rejected },
    schema,
    records,
    warnings,
  };
}

function fillRecord(args: {
  record: EhrRecord;
  fields: string[];
  numericAt: number[];
  categoricalAt: number[];
  schema: EhrResult['schema'];
  options: LoadEhrOptions;
}): string | undefined {
  const { record, fields, schema, options } = args;
  const missing = options.missingValues;
  for (let j = 0; j < args.numericAt.length; j++) {
    const v = numericValue({
      raw: fields[args.numericAt[j] ?? -1] ?? '',
      feature: schema.numeric[j] ?? '',
      missing,
    });
    if (typeof v === 'string') return v;
    record.numeric[j] = v;
  }
  for (let j = 0; j < args.categoricalAt.length; j++) {
    const spec = schema.categorical[j];
    if (!spec) continue;
    const v = levelIndex({ raw: fields[args.categoricalAt[j] ?? -1] ?? '', spec, missing });
    if (typeof v === 'string') return v;
    record.categorical[j] = v;
  }
  return undefined;
}
