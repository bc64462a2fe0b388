import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SiteDataError } from '../errors.ts';
import { DEFAULT_MISSING_VALUES } from '../io/values.ts';
import { toSiteDataError } from '../io/line-reader.ts';
import { ConfigReader, toStringList } from './config-reader.ts';
import { readEhrConfig, type EhrConfig } from './ehr-config.ts';

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

const TOP_KEYS = [
  'site',
  'tasks',
  'idColumn',
  'missingValues',
  'maxRejectedFraction',
  'ehr',
  'imaging',
  'genomics',
  'labels',
] as const;

/** Reads and validates a site config YAML file; throws SiteDataError naming the key at fault. */
export async function loadSiteConfig(file: string): Promise<SiteConfig> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw toSiteDataError(path, error);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new SiteDataError({ file: path, reason: `invalid YAML: ${(error as Error).message}` });
  }
  return parseSiteConfig({ file: path, value });
}

/** Validates an already-parsed config object (`file` anchors relative paths and error messages). */
export function parseSiteConfig(options: { file: string; value: unknown }): SiteConfig {
  const r = new ConfigReader({ file: options.file, path: '', value: options.value });
  r.allowKeys(TOP_KEYS);
  const dir = dirname(options.file);
  const at = (p: string): string => resolve(dir, p);
  const tasks = r.stringList('tasks') ?? [...DEFAULT_TASKS];
  if (tasks.length === 0) throw r.error(`'tasks' must name at least one task`);
  r.assertUnique('tasks', tasks);
  const missingValues = r.has('missingValues')
    ? toStringList(r.raw('missingValues'), () => r.error(`'missingValues' must be a list of strings`))
    : [...DEFAULT_MISSING_VALUES];
  const config: SiteConfig = {
    file: options.file,
    site: r.string('site') ?? 'site',
    tasks,
    idColumn: r.string('idColumn') ?? 'patient_id',
    missingValues,
    maxRejectedFraction: r.number('maxRejectedFraction', { min: 0, max: 1 }) ?? 0.5,
  };
  const ehr = r.child('ehr');
  if (ehr) config.ehr = readEhrConfig(ehr, at);
  const imaging = r.child('imaging');
  if (imaging) config.imaging = readImagingConfig(imaging, at);
  const genomics = r.child('genomics');
  if (genomics) config.genomics = readGenomicsConfig(genomics, at);
  const labels = r.child('labels');
  if (labels) {
    labels.allowKeys(['path', 'splitColumn', 'validationFraction']);
    config.labels = {
      path: at(labels.requiredString('path')),
      splitColumn: labels.string('splitColumn') ?? 'split',
      validationFraction:
        labels.number('validationFraction', { min: 0, max: 0.9 }) ?? DEFAULT_VALIDATION_FRACTION,
    };
  }
  if (!config.ehr && !config.imaging && !config.genomics) {
    throw r.error('the config names no modality: add at least one of ehr, imaging, genomics');
  }
  return config;
}

function readImagingConfig(r: ConfigReader, at: (p: string) => string): ImagingConfig {
  r.allowKeys(['manifest', 'size', 'resize']);
  let shape: [number, number, number] = [...DEFAULT_IMAGE_SHAPE];
  if (r.has('size')) {
    const size = r.raw('size');
    const valid =
      Array.isArray(size) &&
      (size.length === 2 || size.length === 3) &&
      size.every((v) => Number.isInteger(v) && (v as number) > 0 && (v as number) <= 4096);
    if (!valid) throw r.error(`'${r.key('size')}' must be [height, width] or [height, width, channels]`);
    const [h, w, c = 1] = size as number[];
    if (c !== 1 && c !== 3) throw r.error(`'${r.key('size')}' channels must be 1 (grey) or 3 (RGB)`);
    shape = [h ?? 0, w ?? 0, c];
  }
  return {
    manifest: at(r.requiredString('manifest')),
    shape,
    resize: r.oneOf('resize', ['area', 'bilinear'] as const) ?? 'area',
  };
}

function readGenomicsConfig(r: ConfigReader, at: (p: string) => string): GenomicsConfig {
  r.allowKeys(['path', 'panel', 'orientation', 'transform']);
  return {
    path: at(r.requiredString('path')),
    panel: at(r.requiredString('panel')),
    orientation: r.oneOf('orientation', ['auto', 'samples-by-genes', 'genes-by-samples'] as const) ?? 'auto',
    transform: r.oneOf('transform', ['log1p', 'none'] as const) ?? 'log1p',
  };
}
