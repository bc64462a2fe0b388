import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { SiteDataError } from '../errors.ts';
import { DEFAULT_MISSING_VALUES } from '../io/values.ts';
import { toSiteDataError } from '../io/line-reader.ts';
import { configError, firstIssue, yamlLines, type LineOf } from './config-issues.ts';
import { EhrSection, toEhrConfig, type EhrConfig } from './ehr-config.ts';
import { choice, optional, strictMapping, text, uniqueList } from './schema-parts.ts';

/** The tasks a site labels when its config names none. */
export const DEFAULT_TASKS: readonly string[] = ['cancer', 'cardiac', 'metabolic'];

/** Image input shape [height, width, channels] when neither config nor caller sets one. */
export const DEFAULT_IMAGE_SHAPE: readonly [number, number, number] = [64, 64, 1];

/** How images are resized to the model's input: area averaging or bilinear interpolation. */
export type ResizeMethod = 'area' | 'bilinear';

/** Where a site's images are and how to bring them to the model's input shape. */
export interface ImagingConfig {
  manifest: string;
  shape: [number, number, number];
  resize: ResizeMethod;
}

/** Orientation of an expression matrix; `auto` detects it from the id cell and the panel. */
export type MatrixOrientation = 'auto' | 'samples-by-genes' | 'genes-by-samples';

/** Where a site's expression matrix and gene panel are. */
export interface GenomicsConfig {
  path: string;
  panel: string;
  orientation: MatrixOrientation;
  /** `log1p` for counts/TPM (default); `none` when the matrix is already on a log scale. */
  transform: 'log1p' | 'none';
}

/** Where a site's labels are; the optional split column marks the held-out test and validation patients. */
export interface LabelsConfig {
  path: string;
  splitColumn: string;
  /**
   * Share of the training patients held out for model selection when no row says `validation`: chosen
   * from the patient ids and labels alone (stratified), so every load picks the same patients.
   */
  validationFraction: number;
}

/** The validation share of the training patients when the labels file marks none. */
export const DEFAULT_VALIDATION_FRACTION = 0.15;

/** A validated site config with every path resolved against the config file's folder. */
export interface SiteConfig {
  file: string;
  site: string;
  tasks: string[];
  idColumn: string;
  missingValues: string[];
  /** A file with a larger fraction of rejected rows is refused as a whole. */
  maxRejectedFraction: number;
  ehr?: EhrConfig;
  imaging?: ImagingConfig;
  genomics?: GenomicsConfig;
  labels?: LabelsConfig;
}

const isImageSize = (v: unknown): v is number[] =>
  Array.isArray(v) &&
  (v.length === 2 || v.length === 3) &&
  v.every((n) => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 4096);

const imageSize = z
  .custom<number[]>(isImageSize, { error: 'must be [height, width] or [height, width, channels]' })
  .refine((size) => size.length === 2 || size[2] === 1 || size[2] === 3, {
    error: 'channels must be 1 (grey) or 3 (RGB)',
  });

const fractionError = 'must be a number from 0 to 1';

/** site.yaml as written, before paths are resolved and defaults filled. */
const validationError =
  'must be a number from 0 to 0.9 (the share of training patients held out for validation)';

const SiteSection = strictMapping({
  site: optional(text),
  tasks: optional(uniqueList.min(1, { error: 'must name at least one task' })),
  idColumn: optional(text),
  missingValues: optional(z.array(text, { error: 'must be a list of strings' })),
  maxRejectedFraction: optional(
    z.number({ error: fractionError }).min(0, { error: fractionError }).max(1, { error: fractionError }),
  ),
  ehr: optional(EhrSection),
  imaging: optional(
    strictMapping({
      manifest: text,
      size: optional(imageSize),
      resize: optional(choice(['area', 'bilinear'])),
    }),
  ),
  genomics: optional(
    strictMapping({
      path: text,
      panel: text,
      orientation: optional(choice(['auto', 'samples-by-genes', 'genes-by-samples'])),
      transform: optional(choice(['log1p', 'none'])),
    }),
  ),
  labels: optional(
    strictMapping({
      path: text,
      splitColumn: optional(text),
      validationFraction: optional(
        z
          .number({ error: validationError })
          .min(0, { error: validationError })
          .max(0.9, { error: validationError }),
      ),
    }),
  ),
}).refine((c) => c.ehr ?? c.imaging ?? c.genomics, {
  error: 'names no modality: add at least one of ehr, imaging, genomics',
});
type SiteSection = z.output<typeof SiteSection>;

/** Reads and validates a site config YAML file; throws SiteDataError naming the line and key at fault. */
export async function loadSiteConfig(file: string): Promise<SiteConfig> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw toSiteDataError(path, error);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const broken = doc.errors[0];
  if (broken) {
    const line = lineCounter.linePos(broken.pos[0]).line;
    throw new SiteDataError({ file: path, line, reason: `invalid YAML: ${yamlReason(broken.message)}` });
  }
  return parseSiteConfig({ file: path, value: doc.toJS(), lineOf: yamlLines(doc, lineCounter) });
}

/** The YAML library's message without its position (the error carries the line) or excerpt. */
function yamlReason(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Validates an already-parsed config object (`file` anchors relative paths and error messages;
 * `lineOf`, when the YAML is at hand, puts the line of the key at fault in them).
 */
export function parseSiteConfig(options: { file: string; value: unknown; lineOf?: LineOf }): SiteConfig {
  const parsed = SiteSection.safeParse(options.value);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error.issues);
    throw issue
      ? configError({ file: options.file, issue, value: options.value, lineOf: options.lineOf })
      : new SiteDataError({ file: options.file, reason: 'invalid config' });
  }
  return toSiteConfig(options.file, parsed.data);
}

function toSiteConfig(file: string, c: SiteSection): SiteConfig {
  const at = (p: string): string => resolve(dirname(file), p);
  const config: SiteConfig = {
    file,
    site: c.site ?? 'site',
    tasks: c.tasks ?? [...DEFAULT_TASKS],
    idColumn: c.idColumn ?? 'patient_id',
    missingValues: c.missingValues ?? [...DEFAULT_MISSING_VALUES],
    maxRejectedFraction: c.maxRejectedFraction ?? 0.5,
  };
  if (c.ehr) config.ehr = toEhrConfig(c.ehr, at);
  if (c.imaging) {
    const [h, w, channels = 1] = c.imaging.size ?? DEFAULT_IMAGE_SHAPE;
    config.imaging = {
      manifest: at(c.imaging.manifest),
      shape: [h ?? 0, w ?? 0, channels],
      resize: c.imaging.resize ?? 'area',
    };
  }
  if (c.genomics) {
    config.genomics = {
      path: at(c.genomics.path),
      panel: at(c.genomics.panel),
      orientation: c.genomics.orientation ?? 'auto',
      transform: c.genomics.transform ?? 'log1p',
    };
  }
  if (c.labels) {
    config.labels = {
      path: at(c.labels.path),
      splitColumn: c.labels.splitColumn ?? 'split',
      validationFraction: c.labels.validationFraction ?? DEFAULT_VALIDATION_FRACTION,
    };
  }
  return config;
}
