import type { GenomicsConfig, MatrixOrientation } from '../config/site-config.ts';
import { SiteDataError, type Rejection } from '../errors.ts';
import type { Delimiter } from '../io/delimited.ts';
import { openRecords } from '../io/records.ts';

/** What a first pass over an expression matrix learns, without keeping any values. */
export interface GenomicsIndex {
  file: string;
  orientation: Exclude<MatrixOrientation, 'auto'>;
  delimiter: Delimiter;
  headerLength: number;
  /** Samples with a unique, non-blank id: their line (samples × genes) or column (genes × samples). */
  samples: Map<string, { line: number; column: number }>;
  /** samples × genes: the column of each panel gene, in panel order. */
  panelColumns: Int32Array;
  /** genes × samples: panel index by line number. */
  panelLines: Map<number, number>;
  records: number;
  rejected: Rejection[];
}

const SAMPLE_ID_CELLS = new Set(['patient_id', 'sample_id', 'sample', 'samples', 'id', 'patient']);
const GENE_ID_CELLS = new Set([
  'gene',
  'genes',
  'gene_id',
  'gene_symbol',
  'symbol',
  'hugo_symbol',
  'ensembl_id',
]);

/**
 * Reads the header and first column of the matrix: detects its orientation (the id cell says
 * `patient_id`/`sample_id` or `gene`/`gene_id`; otherwise whichever axis holds the panel
 * genes), checks every panel gene is present exactly once, and finds duplicate sample ids.
 */
export async function indexGenomics(options: {
  config: GenomicsConfig;
  panel: readonly string[];
  idColumn: string;
}): Promise<GenomicsIndex> {
  const file = options.config.path;
  const { header, headerLine, delimiter, firstCells } = await scanMatrix(file);
  const orientation = detectOrientation({ header, ...options });
  const index: GenomicsIndex = {
    file,
    orientation,
    delimiter,
    headerLength: header.length,
    samples: new Map(),
    panelColumns: new Int32Array(0),
    panelLines: new Map(),
    records: 0,
    rejected: [],
  };
  const { panel } = options;
  if (orientation === 'samples-by-genes') {
    const names = header.map((g, i) => ({ name: g, at: i }));
    index.panelColumns = locatePanel({ file, panel, names, where: 'header' });
    addSamples(
      index,
      firstCells.map((c) => ({ id: c.cell, line: c.line, column: 0 })),
    );
  } else {
    const names = firstCells.map((c) => ({ name: c.cell, at: c.line }));
    locatePanel({ file, panel, names, where: 'first column' }).forEach((line, j) =>
      index.panelLines.set(line, j),
    );
    addSamples(
      index,
      header.slice(1).map((id, i) => ({ id, line: headerLine, column: i + 1 })),
    );
  }
  return index;
}

/** The header cells and, for every later record, only its first cell (no values are kept). */
async function scanMatrix(file: string): Promise<{
  header: string[];
  headerLine: number;
  delimiter: Delimiter;
  firstCells: { line: number; cell: string }[];
}> {
  const { delimiter, records } = await openRecords(file);
  const first = await records.next();
  if (first.done) throw new SiteDataError({ file, reason: 'empty file: expected a header row' });
  const firstCells: { line: number; cell: string }[] = [];
  for await (const { line, fields } of records) firstCells.push({ line, cell: (fields[0] ?? '').trim() });
  const header = first.value.fields.map((f) => f.trim());
  return { header, headerLine: first.value.line, delimiter, firstCells };
}

function detectOrientation(o: {
  header: string[];
  panel: readonly string[];
  config: GenomicsConfig;
  idColumn: string;
}): Exclude<MatrixOrientation, 'auto'> {
  if (o.config.orientation !== 'auto') return o.config.orientation;
  const cell = (o.header[0] ?? '').toLowerCase();
  if (SAMPLE_ID_CELLS.has(cell) || cell === o.idColumn.toLowerCase()) return 'samples-by-genes';
  if (GENE_ID_CELLS.has(cell)) return 'genes-by-samples';
  const names = new Set(o.header);
  const inHeader = o.panel.filter((g) => names.has(g)).length;
  return inHeader * 2 >= o.panel.length ? 'samples-by-genes' : 'genes-by-samples';
}

/** Finds each panel gene once along one axis; a missing or repeated panel gene is file-level. */
function locatePanel(o: {
  file: string;
  panel: readonly string[];
  names: { name: string; at: number }[];
  where: string;
}): Int32Array {
  const position = new Map<string, number>();
  const wanted = new Set(o.panel);
  for (const { name, at } of o.names) {
    if (!wanted.has(name)) continue;
    const prev = position.get(name);
    if (prev !== undefined) {
      throw new SiteDataError({
        file: o.file,
        reason: `panel gene '${name}' appears twice in the ${o.where} (at ${prev} and ${at})`,
      });
    }
    position.set(name, at);
  }
  const missing = o.panel.filter((g) => !position.has(g));
  if (missing.length > 0) {
    const shown =
      missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, ... (${missing.length} in all)` : '');
    throw new SiteDataError({
      file: o.file,
      reason: `panel genes missing from the matrix ${o.where}: ${shown}`,
    });
  }
  return Int32Array.from(o.panel, (g) => position.get(g) ?? -1);
}

function addSamples(index: GenomicsIndex, samples: { id: string; line: number; column: number }[]): void {
  const counts = new Map<string, number>();
  for (const s of samples) counts.set(s.id, (counts.get(s.id) ?? 0) + 1);
  index.records = samples.length;
  for (const s of samples) {
    const base = { source: 'genomics' as const, file: index.file, line: s.line };
    if (s.id === '')
      index.rejected.push({
        ...base,
        reason: `blank sample id${s.column > 0 ? ` in header column ${s.column + 1}` : ''}`,
      });
    else if ((counts.get(s.id) ?? 0) > 1) {
      index.rejected.push({
        ...base,
        patientId: s.id,
        reason: `duplicate sample id '${s.id}'; all copies rejected`,
      });
    } else index.samples.set(s.id, { line: s.line, column: s.column });
  }
}
