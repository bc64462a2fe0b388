/** A training patient's id and labels (0/1 per task, NaN where missing). */
export interface LabelledPatient {
  id: string;
  labels?: Float32Array;
}

/**
 * Holds out `fraction` of the training patients for model selection, stratified by label pattern and
 * chosen by a hash of the patient id: the same ids and labels give the same split on every load, in any
 * file order, and every label pattern (e.g. positives of a rare task) is held out in proportion.
 */
export function splitValidation(
  patients: readonly LabelledPatient[],
  fraction: number,
): { train: string[]; validation: string[] } {
  if (!(fraction >= 0 && fraction < 1))
    throw new RangeError(`validation fraction must be in [0, 1), got ${fraction}`);
  // Ordered by stratum, then pseudo-randomly within it; every 1/fraction-th patient of that order is held
  // out, so each stratum gives its share (rounded) and the total is round(fraction · n).
  const ordered = patients
    .map((p) => ({ id: p.id, stratum: stratumOf(p.labels), hash: fnv1a(p.id) }))
    .sort((a, b) => compare(a.stratum, b.stratum) || a.hash - b.hash || compare(a.id, b.id));
  const held = new Set<string>();
  ordered.forEach((p, i) => {
    if (Math.floor((i + 1) * fraction + 0.5) > Math.floor(i * fraction + 0.5)) held.add(p.id);
  });
  const train: string[] = [];
  const validation: string[] = [];
  for (const p of patients) (held.has(p.id) ? validation : train).push(p.id);
  return { train, validation };
}

function stratumOf(labels: Float32Array | undefined): string {
  return labels ? Array.from(labels, (y) => (Number.isNaN(y) ? '-' : String(y))).join('') : '';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** 32-bit FNV-1a of a string's UTF-16 code units: stable across platforms and Node versions. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
