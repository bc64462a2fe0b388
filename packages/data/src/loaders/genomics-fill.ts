import type { GenomicsConfig } from '../config/site-config.ts';
import { SiteDataError, type Rejection } from '../errors.ts';
import { openRecords } from '../io/records.ts';
import { parseNumberCell, quoteCell } from '../io/values.ts';
import type { GenomicsIndex } from './genomics-index.ts';

/** A patient's row in a split's genomics array. */
export interface GenomicsSlot {
  dst: Float32Array;
  slot: number;
}

/** Options for {@link fillGenomics}. */
export interface FillGenomicsOptions {
  index: GenomicsIndex;
  panel: readonly string[];
  transform: GenomicsConfig['transform'];
  slots: ReadonlyMap<string, GenomicsSlot>;
  missingValues: ReadonlySet<string>;
  reject: (r: Rejection) => void;
}

/**
 * Second pass over the matrix: parses only panel genes of wanted samples and writes their
 * (log1p) values straight into each patient's batch row. A bad value rejects that sample
 * (its row is zeroed); the ids of rejected samples are returned.
 */
export async function fillGenomics(o: FillGenomicsOptions): Promise<Set<string>> {
  const failed = new Map<string, Rejection>();
  const fail: Fail = (id, line, reason) => {
    if (!failed.has(id))
      failed.set(id, { source: 'genomics', file: o.index.file, line, patientId: id, reason });
  };
  const handle =
    o.index.orientation === 'samples-by-genes' ? sampleLineHandler(o, fail) : geneLineHandler(o, fail);
  const { records } = await openRecords(o.index.file);
  let header = true;
  for await (const { line, fields } of records) {
    if (header) header = false;
    else handle(line, fields);
  }
  const p = o.panel.length;
  for (const [id, rejection] of failed) {
    const t = o.slots.get(id);
    if (t) t.dst.fill(0, t.slot * p, (t.slot + 1) * p);
    o.reject(rejection);
  }
  return new Set(failed.keys());
}

type Fail = (id: string, line: number, reason: string) => void;

type RecordHandler = (line: number, fields: string[]) => void;

/** samples × genes: one record is one sample; only its panel columns are parsed. */
function sampleLineHandler(o: FillGenomicsOptions, fail: Fail): RecordHandler {
  const toValue = valueParser(o);
  const p = o.panel.length;
  return (line, fields) => {
    const id = (fields[0] ?? '').trim();
    const target = o.slots.get(id);
    if (!target || o.index.samples.get(id)?.line !== line) return;
    if (!hasHeaderLength(fields, o, (reason) => fail(id, line, reason))) return;
    for (let j = 0; j < p; j++) {
      const v = toValue(fields[o.index.panelColumns[j] as number] ?? '', j);
      if (typeof v === 'string') return fail(id, line, v);
      target.dst[target.slot * p + j] = v;
    }
  };
}

/** genes × samples: one record is one gene; its value goes into every wanted sample's row. */
function geneLineHandler(o: FillGenomicsOptions, fail: Fail): RecordHandler {
  const toValue = valueParser(o);
  const p = o.panel.length;
  const byColumn = columnSlots(o);
  return (line, fields) => {
    const j = o.index.panelLines.get(line);
    if (j === undefined) return;
    // A broken gene record would silently drop that gene for every sample: refuse the file.
    hasHeaderLength(fields, o, (reason) => {
      throw new SiteDataError({ file: o.index.file, line, reason: `gene '${o.panel[j] ?? ''}': ${reason}` });
    });
    for (let col = 1; col < byColumn.length; col++) {
      const c = byColumn[col];
      if (!c) continue;
      const v = toValue(fields[col] ?? '', j);
      if (typeof v === 'string') fail(c.id, line, v);
      else c.dst[c.slot * p + j] = v;
    }
  };
}

function columnSlots(
  o: FillGenomicsOptions,
): ({ id: string; dst: Float32Array; slot: number } | undefined)[] {
  const out: ({ id: string; dst: Float32Array; slot: number } | undefined)[] = new Array<undefined>(
    o.index.headerLength,
  );
  for (const [id, s] of o.index.samples) {
    const t = o.slots.get(id);
    if (t) out[s.column] = { id, ...t };
  }
  return out;
}

function hasHeaderLength(
  fields: readonly string[],
  o: FillGenomicsOptions,
  fail: (reason: string) => void,
): boolean {
  if (fields.length === o.index.headerLength) return true;
  fail(`expected ${o.index.headerLength} cells, found ${fields.length}`);
  return false;
}

function valueParser(o: FillGenomicsOptions): (raw: string, gene: number) => number | string {
  return (raw, j) => {
    const cell = parseNumberCell(raw, o.missingValues);
    const gene = o.panel[j] ?? '';
    if (cell.kind === 'missing') return `missing value for gene '${gene}'`;
    if (cell.kind === 'invalid') return `non-numeric value ${quoteCell(raw)} for gene '${gene}'`;
    if (o.transform === 'none') return cell.value;
    if (cell.value < 0)
      return `negative expression ${cell.value} for gene '${gene}' cannot be log1p-transformed`;
    return Math.log1p(cell.value);
  };
}
