import type { LabelsConfig } from '../config/site-config.ts';
import type { Rejection } from '../errors.ts';
import { SiteDataError } from '../errors.ts';
import { assertRejectedFraction, dropDuplicateIds, readTable } from '../io/table.ts';
import { quoteCell } from '../io/values.ts';
import type { SourceSummary } from './source-result.ts';

/** Which split a patient belongs to: trained on, held out for model selection, or held out for the final score. */
export type Split = 'train' | 'validation' | 'test';

/** One patient's labels: 0/1 per task in the config's task order, NaN where missing. */
export interface LabelRecord {
  line: number;
  split: Split;
  values: Float32Array;
}

/** Labels keyed by patient id, plus the file summary. */
export interface LabelsResult {
  summary: SourceSummary;
  records: Map<string, LabelRecord>;
}

/** Options for {@link loadLabels}. */
export interface LoadLabelsOptions {
  config: LabelsConfig;
  tasks: readonly string[];
  idColumn: string;
  missingValues: ReadonlySet<string>;
  maxRejectedFraction: number;
}

/** Loads `patient_id[,split],<task>...` with 0/1/blank cells; unknown values reject the row. */
export async function loadLabels(options: LoadLabelsOptions): Promise<LabelsResult> {
  const file = options.config.path;
  const rejected: Rejection[] = [];
  const reject = (r: Rejection): void => void rejected.push(r);
  const table = await readTable({ file, source: 'labels', idColumn: options.idColumn, reject });
  const names = table.header.columns.map((c) => c.name);
  const taskIndex = options.tasks.map((task) => {
    const i = names.indexOf(task);
    if (i === -1) {
      throw new SiteDataError({ file, reason: `no column for task '${task}' (found: ${names.join(', ')})` });
    }
    return i;
  });
  const splitIndex = names.indexOf(options.config.splitColumn);
  const records = new Map<string, LabelRecord>();
  const rows = dropDuplicateIds(table.rows, { file, source: 'labels', idColumn: options.idColumn, reject });
  for (const row of rows) {
    const parsed = parseLabelRow({ fields: row.fields, taskIndex, splitIndex, options });
    if (typeof parsed === 'string') {
      reject({ source: 'labels', file, line: row.line, patientId: row.id, reason: parsed });
      continue;
    }
    records.set(row.id, { line: row.line, ...parsed });
  }
  assertRejectedFraction({ file, records: table.records, rejected, max: options.maxRejectedFraction });
  return {
    summary: { source: 'labels', file, records: table.records, accepted: records.size, rejected },
    records,
  };
}

function parseLabelRow(args: {
  fields: string[];
  taskIndex: number[];
  splitIndex: number;
  options: LoadLabelsOptions;
}): { split: Split; values: Float32Array } | string {
  const { fields, taskIndex, splitIndex, options } = args;
  const values = new Float32Array(taskIndex.length);
  for (let t = 0; t < taskIndex.length; t++) {
    const cell = (fields[taskIndex[t] ?? -1] ?? '').trim();
    if (cell === '1') values[t] = 1;
    else if (cell === '0') values[t] = 0;
    else if (options.missingValues.has(cell)) values[t] = Number.NaN;
    else return `label ${quoteCell(cell)} for task '${options.tasks[t]}' is not 0, 1 or blank`;
  }
  if (splitIndex === -1) return { split: 'train', values };
  const split = (fields[splitIndex] ?? '').trim().toLowerCase();
  if (split === '' || split === 'train') return { split: 'train', values };
  if (split === 'test') return { split: 'test', values };
  if (split === 'validation' || split === 'val') return { split: 'validation', values };
  return `${options.config.splitColumn} ${quoteCell(split)} is not train, validation, test or blank`;
}
