import { MODALITIES, type Modality, type ModelBatch } from '@fedfuse/model/spec';

/** Per-row widths of a batch's arrays, read off its lengths. */
function widths(batch: ModelBatch): { ehr: number; image: number; genomics: number; labels: number } {
  const per = (length: number): number => (batch.n === 0 ? 0 : length / batch.n);
  return {
    ehr: per(batch.ehr.length),
    image: per(batch.image.length),
    genomics: per(batch.genomics.length),
    labels: per(batch.labels.length),
  };
}

/**
 * Stacks batches with the same features (e.g. several sites' train splits, for central
 * training). Throws when their row widths differ.
 */
export function concatBatches(batches: readonly ModelBatch[]): ModelBatch {
  const nonEmpty = batches.filter((b) => b.n > 0);
  const first = nonEmpty[0];
  if (!first)
    return {
      n: 0,
      ehr: new Float32Array(0),
      image: new Float32Array(0),
      genomics: new Float32Array(0),
      present: new Uint8Array(0),
      labels: new Float32Array(0),
    };
  const w = widths(first);
  for (const b of nonEmpty) {
    const wb = widths(b);
    if (wb.ehr !== w.ehr || wb.image !== w.image || wb.genomics !== w.genomics || wb.labels !== w.labels) {
      throw new RangeError(
        `concatBatches: row widths differ (${JSON.stringify(wb)} vs ${JSON.stringify(w)})`,
      );
    }
  }
  const join = <T extends Float32Array | Uint8Array>(
    pick: (b: ModelBatch) => T,
    make: (n: number) => T,
  ): T => {
    const out = make(nonEmpty.reduce((s, b) => s + pick(b).length, 0));
    let at = 0;
    for (const b of nonEmpty) {
      out.set(pick(b), at);
      at += pick(b).length;
    }
    return out;
  };
  const f32 = (n: number): Float32Array => new Float32Array(n);
  return {
    n: nonEmpty.reduce((s, b) => s + b.n, 0),
    ehr: join((b) => b.ehr, f32),
    image: join((b) => b.image, f32),
    genomics: join((b) => b.genomics, f32),
    present: join(
      (b) => b.present,
      (n) => new Uint8Array(n),
    ),
    labels: join((b) => b.labels, f32),
  };
}

/** Options for {@link selectRows}. */
export interface SelectRowsOptions {
  /** Keep only rows holding all of these modalities. */
  require?: readonly Modality[];
  /** Mark these modalities absent (and zero them) in every kept row. */
  hide?: readonly Modality[];
  /** Consider only these rows, in this order (default: every row). */
  rows?: ArrayLike<number>;
}

/**
 * A copy of the rows that hold the required modalities, with hidden modalities zeroed and
 * flagged absent; e.g. an imaging-only view: `{ require: ['imaging'], hide: ['ehr', 'genomics'] }`.
 */
export function selectRows(
  batch: ModelBatch,
  options: SelectRowsOptions,
): { batch: ModelBatch; rows: number[] } {
  const need = MODALITIES.map((m) => options.require?.includes(m) ?? false);
  const hide = MODALITIES.map((m) => options.hide?.includes(m) ?? false);
  const rows: number[] = [];
  const candidates = options.rows ?? { length: batch.n };
  for (let k = 0; k < candidates.length; k++) {
    const i = options.rows ? options.rows[k]! : k;
    if (!(Number.isInteger(i) && i >= 0 && i < batch.n))
      throw new RangeError(`selectRows: row ${i} is not a row of a batch of ${batch.n}`);
    if (need.every((must, m) => !must || batch.present[i * 3 + m] === 1)) rows.push(i);
  }
  const w = widths(batch);
  const take = <T extends Float32Array | Uint8Array>(src: T, width: number, out: T): T => {
    rows.forEach((r, k) => out.set(src.subarray(r * width, (r + 1) * width), k * width));
    return out;
  };
  const n = rows.length;
  const out: ModelBatch = {
    n,
    ehr: hide[0] ? new Float32Array(n * w.ehr) : take(batch.ehr, w.ehr, new Float32Array(n * w.ehr)),
    image: hide[1]
      ? new Float32Array(n * w.image)
      : take(batch.image, w.image, new Float32Array(n * w.image)),
    genomics: hide[2]
      ? new Float32Array(n * w.genomics)
      : take(batch.genomics, w.genomics, new Float32Array(n * w.genomics)),
    present: take(batch.present, 3, new Uint8Array(n * 3)),
    labels: take(batch.labels, w.labels, new Float32Array(n * w.labels)),
  };
  for (let k = 0; k < n; k++) hide.forEach((h, m) => h && (out.present[k * 3 + m] = 0));
  return { batch: out, rows };
}
