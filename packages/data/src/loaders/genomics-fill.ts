import type { GenomicsConfig } from '../config/site-config.ts';
import { SiteDataError, type Rejection } from '../errors.ts';
import { splitFields } from '../io/delimited.ts';
import { readLines } from '../io/line-reader.ts';
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
  let header = true;
  for await (const { line, text } of readLines(o.index.file)) {
    if (text.trim() === '') continue;
    if (header) header = false;
    else handle(line, text);
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

/** samples × genes: one line is one sample; only its panel columns are parsed. */
function sampleLineHandler(o: FillGenomicsOptions, fail: Fail): (line: number, text: string) => void {
  const toValue = valueParser(o);
  const p = o.panel.length;
  return (line, text) => {
    const id = sampleIdOf(text, o.index.delimiter);
    const target = o.slots.get(id);
    if (!target || o.index.samples.get(id)?.line !== line) return;
    const fields = parseLine(text, o, (reason) => fail(id, line, reason));
    if (!fields) return;
    for (let j = 0; j < p; j++) {
      const v = toValue(fields[o.index.panelColumns[j] as number] ?? '', j);
      if (typeof v === 'string') return fail(id, line, v);
      target.dst[target.slot * p + j] = v;
    }
  };
}

/** genes × samples: one line is one gene; its value goes into every wanted sample's row. */
function geneLineHandler(o: FillGenomicsOptions, fail: Fail): (line: number, text: string) => void {
  const toValue = valueParser(o);
  const p = o.panel.length;
  const byColumn = columnSlots(o);
  return (line, text) => {
    const j = o.index.panelLines.get(line);
    if (j === undefined) return;
    // A broken gene line would silently drop that gene for every sample: refuse the file.
    const fields = parseLine(text, o, (reason) => {
      throw new SiteDataError({ file: o.index.file, line, reason: `gene '${o.panel[j] ?? ''}': ${reason}` });
    });
    if (!fields) return;
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

function sampleIdOf(text: string, delimiter: string): string {
  const d = text.indexOf(delimiter);
  const cell = (d === -1 ? text : text.slice(0, d)).trim();
  return cell.startsWith('"') && cell.endsWith('"') && cell.length >= 2 ? cell.slice(1, -1) : cell;
}

function parseLine(
  text: string,
  o: FillGenomicsOptions,
  fail: (reason: string) => void,
): string[] | undefined {
  const split = splitFields(text, o.index.delimiter);
  if (!split.ok) {
    fail(split.reason);
    return undefined;
  }
  if (split.fields.length !== o.index.headerLength) {
    fail(`expected ${o.index.headerLength} cells, found ${split.fields.length}`);
    return undefined;
  }
  return split.fields;
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
