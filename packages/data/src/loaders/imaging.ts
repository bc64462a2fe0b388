import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ImagingConfig } from '../config/site-config.ts';
import { SiteDataError, type Rejection } from '../errors.ts';
import { assertRejectedFraction, dropDuplicateIds, readTable } from '../io/table.ts';
import { prepareDicom } from './dicom/dicom-decode.ts';
import { ImageDecodeError, type DecodeTarget, type PreparedImage } from './image-target.ts';
import { decodePngInto } from './png-decode.ts';
import { resizeInto } from './resize.ts';
import type { SourceSummary } from './source-result.ts';

/** One manifest row: the patient's image file. */
export interface ManifestEntry {
  line: number;
  path: string;
}

/** The parsed manifest keyed by patient id. */
export interface ManifestResult {
  summary: SourceSummary;
  entries: Map<string, ManifestEntry>;
}

/** Reads `patient_id,path` (paths relative to the manifest's folder); one image per patient. */
export async function readManifest(options: {
  config: ImagingConfig;
  idColumn: string;
  maxRejectedFraction: number;
}): Promise<ManifestResult> {
  const file = options.config.manifest;
  const rejected: Rejection[] = [];
  const reject = (r: Rejection): void => void rejected.push(r);
  const table = await readTable({ file, source: 'imaging', idColumn: options.idColumn, reject });
  const pathIndex = table.header.columns.findIndex((c) => c.name.toLowerCase() === 'path');
  if (pathIndex === -1) throw new SiteDataError({ file, reason: `no 'path' column in the manifest header` });
  const entries = new Map<string, ManifestEntry>();
  const rows = dropDuplicateIds(table.rows, { file, source: 'imaging', idColumn: options.idColumn, reject });
  for (const row of rows) {
    const rel = (row.fields[pathIndex] ?? '').trim();
    if (rel === '')
      reject({ source: 'imaging', file, line: row.line, patientId: row.id, reason: 'blank path' });
    else entries.set(row.id, { line: row.line, path: resolve(dirname(file), rel) });
  }
  assertRejectedFraction({ file, records: table.records, rejected, max: options.maxRejectedFraction });
  return {
    summary: { source: 'imaging', file, records: table.records, accepted: entries.size, rejected },
    entries,
  };
}

/** Options for {@link loadImagesInto}. */
export interface LoadImagesOptions {
  manifest: string;
  /** Patients to load, each with its row in the batch. */
  jobs: { id: string; entry: ManifestEntry; dst: Float32Array; slot: number }[];
  shape: readonly [number, number, number];
  resize: ImagingConfig['resize'];
  reject: (r: Rejection) => void;
  /** Files read (and decompressed) ahead; writing into the batch is synchronous. */
  concurrency?: number;
}

/**
 * Decodes each image straight into its slot of the preallocated NHWC batch array (through
 * one reused scratch buffer only when it must be resized). Returns the ids that failed;
 * each failure is reported with the manifest line and the reason.
 */
export async function loadImagesInto(options: LoadImagesOptions): Promise<Set<string>> {
  const [h, w, c] = options.shape;
  const failed = new Set<string>();
  const decodeOne = slotDecoder(options);
  await forEachConcurrent(options.jobs, options.concurrency ?? 8, async (job) => {
    try {
      decodeOne(await prepareImage(await readImageFile(job.entry.path)), job);
    } catch (error) {
      job.dst.fill(0, job.slot * h * w * c, (job.slot + 1) * h * w * c);
      failed.add(job.id);
      const reason =
        error instanceof ImageDecodeError ? error.message : `cannot read image: ${(error as Error).message}`;
      options.reject({
        source: 'imaging',
        file: options.manifest,
        line: job.entry.line,
        patientId: job.id,
        reason: `${job.entry.path}: ${reason}`,
      });
    }
  });
  return failed;
}

type Job = LoadImagesOptions['jobs'][number];

/**
 * Decodes into the patient's slot directly when the image already has the model's size;
 * otherwise into one scratch buffer reused for every image, then resizes into the slot.
 */
function slotDecoder(options: LoadImagesOptions): (image: PreparedImage, job: Job) => void {
  const [h, w, c] = options.shape;
  let scratch = new Float32Array(0);
  return (image, job) => {
    const slotOffset = job.slot * h * w * c;
    let direct = false;
    const target: DecodeTarget = {
      channels: c === 3 ? 3 : 1,
      allocate: (width, height) => {
        direct = width === w && height === h;
        if (direct) return { data: job.dst, offset: slotOffset };
        if (scratch.length < width * height * c) scratch = new Float32Array(width * height * c);
        return { data: scratch, offset: 0 };
      },
    };
    const size = image.writeInto(target);
    if (direct) return;
    resizeInto({
      src: scratch,
      srcHeight: size.height,
      srcWidth: size.width,
      channels: c,
      dst: job.dst,
      dstOffset: slotOffset,
      dstHeight: h,
      dstWidth: w,
      method: options.resize,
    });
  };
}

async function readImageFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImageDecodeError(
      code === 'ENOENT' ? 'image file not found' : `cannot read image file (${code ?? 'error'})`,
    );
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];

/** Picks the decoder by content, not extension: sites name their files in many ways. */
async function prepareImage(bytes: Buffer): Promise<PreparedImage> {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b))
    return { writeInto: (target) => decodePngInto(bytes, target) };
  if (bytes.length > 132 && bytes.toString('latin1', 128, 132) === 'DICM') return prepareDicom(bytes);
  throw new ImageDecodeError('not a PNG or DICOM file');
}

/** Runs `fn` over items with at most `limit` in flight. */
async function forEachConcurrent<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
