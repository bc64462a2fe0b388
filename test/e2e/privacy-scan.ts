import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SiteData } from '@fedfuse/data';

/** A byte string that must never leave its site. */
export interface Needle {
  kind:
    'patient id' | 'ehr row (text)' | 'ehr row (float32)' | 'image pixels (uint8)' | 'image pixels (float32)';
  label: string;
  bytes: Buffer;
}

/** Something that did leave a site, or was derived from what did: a message, a stored delta. */
export interface Haystack {
  name: string;
  bytes: Buffer;
}

export interface Leak {
  kind: Needle['kind'];
  label: string;
  haystack: string;
  offset: number;
}

/** 48 bytes: 48 pixels as bytes, 12 as float32. Long enough that a match is no coincidence. */
const RUN_BYTES = 48;
/** A needle with fewer distinct byte values (zeros, a flat background) would match any padding. */
const MIN_DISTINCT_BYTES = 12;

/** Every occurrence of every needle, at any offset (aligned or not) of every haystack. */
export function findLeaks(needles: readonly Needle[], haystacks: readonly Haystack[]): Leak[] {
  const leaks: Leak[] = [];
  for (const haystack of haystacks)
    for (const needle of needles) {
      const offset = haystack.bytes.indexOf(needle.bytes);
      if (offset >= 0)
        leaks.push({ kind: needle.kind, label: needle.label, haystack: haystack.name, offset });
    }
  return leaks;
}

export function float32Bytes(values: ArrayLike<number>): Buffer {
  return Buffer.from(Float32Array.from(values).buffer);
}

function distinct(bytes: Uint8Array): number {
  return new Set(bytes).size;
}

/** The RUN_BYTES-long slice of `bytes` (stepping by `step`) with the most distinct byte values, if varied enough. */
function richestRun(bytes: Buffer, step: number): Buffer | undefined {
  let best: Buffer | undefined;
  for (let start = 0; start + RUN_BYTES <= bytes.length; start += step) {
    const run = bytes.subarray(start, start + RUN_BYTES);
    if (!best || distinct(run) > distinct(best)) best = run;
  }
  return best && distinct(best) >= MIN_DISTINCT_BYTES ? Buffer.from(best) : undefined;
}

/**
 * What a site holds, as byte strings: every patient id; the first `rows` EHR rows as CSV text and as
 * float32 (raw values and the model's standardized row); and, for the first `images` imaged patients,
 * the most varied 48-byte run of their pixels as 8-bit samples and as the model's float32 input.
 */
export function siteNeedles(
  site: SiteData,
  options: { ehrCsv: string; rows: number; images: number },
): Needle[] {
  const needles: Needle[] = [];
  const text = (kind: Needle['kind'], label: string, value: string) =>
    needles.push({ kind, label, bytes: Buffer.from(value, 'utf8') });
  const binary = (kind: Needle['kind'], label: string, bytes: Buffer | undefined) => {
    if (bytes && distinct(bytes) >= MIN_DISTINCT_BYTES) needles.push({ kind, label, bytes });
  };
  // Every split: a validation patient's id is as private as a test patient's.
  for (const split of [site.train, site.validation, site.test])
    for (const id of split.patientIds) text('patient id', id, id);

  const csvRows = options.ehrCsv
    .trim()
    .split('\n')
    .slice(1, options.rows + 1);
  for (const row of csvRows) {
    const [id = '?', ...cells] = row.split(',');
    const first = cells.slice(0, 3);
    // Three filled cells, e.g. `65,32.6,150`: short or empty ones could match any number list.
    if (first.every((c) => c.length > 0)) text('ehr row (text)', id, first.join(','));
    const numbers = cells.map(Number).filter((v, i) => cells[i] !== '' && Number.isFinite(v));
    binary('ehr row (float32)', `${id} raw`, float32Bytes(numbers.slice(0, 12)));
  }
  const { batch, patientIds } = site.train;
  const width = site.ehrFeatureNames.length;
  for (let r = 0; r < Math.min(batch.n, options.rows); r++)
    binary(
      'ehr row (float32)',
      `${patientIds[r]} standardized`,
      float32Bytes(batch.ehr.subarray(r * width, (r + 1) * width)),
    );

  const pixels = site.imageShape[0] * site.imageShape[1] * site.imageShape[2];
  let imaged = 0;
  for (let r = 0; r < batch.n && imaged < options.images; r++) {
    if (batch.present[r * 3 + 1] !== 1) continue;
    imaged++;
    const image = batch.image.subarray(r * pixels, (r + 1) * pixels);
    const samples = Buffer.from(Uint8Array.from(image, (v) => Math.round(v * 255)));
    binary('image pixels (uint8)', patientIds[r]!, richestRun(samples, 1));
    binary('image pixels (float32)', patientIds[r]!, richestRun(float32Bytes(image), 4));
  }
  return needles;
}

/**
 * The inbound recording (FEDFUSE_RECORD_INBOUND) as haystacks: the whole text, every binary payload
 * (base64 decoded), and every array of numbers re-encoded as float32, so a row sent as JSON numbers is
 * found as surely as one sent as bytes.
 */
export function recordedHaystacks(recordFile: string): Haystack[] {
  const text = readFileSync(recordFile, 'utf8');
  const haystacks: Haystack[] = [{ name: 'recorded messages (text)', bytes: Buffer.from(text, 'utf8') }];
  const binaries: Buffer[] = [];
  const numbers: Buffer[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      if (value.length >= 4 && value.every((v) => typeof v === 'number')) numbers.push(float32Bytes(value));
      else value.forEach(walk);
    } else if (value && typeof value === 'object') {
      const bytes = (value as { $bytes?: unknown }).$bytes;
      if (typeof bytes === 'string') binaries.push(Buffer.from(bytes, 'base64'));
      else Object.values(value).forEach(walk);
    }
  };
  for (const line of text.split('\n').filter(Boolean)) walk(JSON.parse(line));
  haystacks.push({ name: 'recorded messages (binary)', bytes: Buffer.concat(binaries) });
  haystacks.push({ name: 'recorded messages (numbers as float32)', bytes: Buffer.concat(numbers) });
  return haystacks;
}

/** Every file under `dir` whose name ends with `suffix`, read as a haystack named by its path. */
export function fileHaystacks(dir: string, suffix: string): Haystack[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith(suffix))
    .sort()
    .map((path) => ({ name: path, bytes: readFileSync(join(dir, path)) }));
}
