import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import type { ModelSpec, TaskEvaluation } from '@fedfuse/protocol';
import {
  CHECKPOINT_FORMAT,
  CheckpointModelJson,
  ModelSpec as ModelSpecSchema,
  decodeWeights,
  formatIssues,
  readCheckpointWeights,
  type Weights,
} from '@fedfuse/protocol';

import { CliError, type ExitCode, usageError } from '../errors.ts';
import { checkSpecFit } from '../fl/spec-fit.ts';
import { silentLogger } from '../log/logger.ts';
import { ProgressBar } from '../log/progress-bar.ts';
import type { BackendChoice } from '../store/client-config.ts';
import { ModelStore, StoredModelMeta } from '../store/model-store.ts';
import { openSite, requireDataConfig } from '../store/open-site.ts';
import { Trainer } from '../trainer/trainer.ts';
import { requiredFlag, siteDir, type RecalibrationChoice } from './flags.ts';
import { print, type CliIo } from './cli-io.ts';

/** Flags of `evaluate` (declared in program.ts; commander checked the choices and integers). */
export interface EvaluateFlags {
  model?: string;
  dir?: string;
  spec?: string;
  bins?: number;
  backend?: BackendChoice;
  recalibrateOn?: RecalibrationChoice;
}

/** `fedfuse-client evaluate`: score a stored (or given) global model on the local test split. */
export async function evaluateCommand(flags: EvaluateFlags, io: CliIo): Promise<ExitCode> {
  const files = await openSite(siteDir(flags.dir, io));
  const dataPath = await requireDataConfig(files);
  const model = await findModel({
    arg: requiredFlag(flags.model, '--model'),
    store: new ModelStore(files.paths.models),
    cwd: io.cwd,
    specPath: flags.spec && resolve(io.cwd, flags.spec),
  });
  const bins = flags.bins ?? 10;
  const backend = flags.backend ?? files.config.backend;
  const recalibrateOn = flags.recalibrateOn ?? 'train';
  const lines = await evaluateInWorker({
    backend,
    dataPath,
    model,
    weights: model.weights,
    bins,
    io,
    ...(recalibrateOn === 'none' ? {} : { recalibrateOn }),
  });
  print(io, ...lines);
  return 0;
}

/** Start a training worker, load the site and evaluate; returns the report lines. */
async function evaluateInWorker(o: {
  backend: string;
  dataPath: string;
  model: FoundModel;
  weights: Weights;
  bins: number;
  io: CliIo;
  recalibrateOn?: 'train' | 'validation';
}): Promise<string[]> {
  const { model } = o;
  const spinner = new ProgressBar(o.io.stdout, { label: 'loading model backend and site data' });
  const trainer = await Trainer.start({ backend: o.backend, log: silentLogger });
  try {
    const data = await trainer.loadData(o.dataPath);
    spinner.finish('done');
    const fit = checkSpecFit(model.spec, data);
    if (fit.error) throw new CliError(fit.error, 1);
    const outcome = await trainer.evaluate({
      spec: model.spec,
      manifest: o.weights.manifest,
      weights: o.weights.values,
      tasks: [...model.spec.tasks],
      bins: o.bins,
      batchSize: 256,
      ...(o.recalibrateOn ? { recalibrateOn: o.recalibrateOn } : {}),
    });
    const title = `Model ${model.label} on the test split of site ${data.site} (${outcome.numExamples} patients)`;
    return [title, '', ...metricsTable(outcome.tasks)];
  } finally {
    spinner.finish();
    await trainer.close();
  }
}

interface FoundModel {
  label: string;
  weights: Weights;
  spec: ModelSpec;
}

async function findModel(o: {
  arg: string;
  store: ModelStore;
  cwd: string;
  specPath?: string;
}): Promise<FoundModel> {
  if (/^[0-9a-f]{6,64}$/i.test(o.arg)) {
    const hash = await o.store.resolvePrefix(o.arg).catch((err: Error) => {
      throw usageError(err.message);
    });
    if (hash) {
      const bytes = await o.store.read(hash);
      const meta = await o.store.readMeta(hash);
      if (!bytes || !meta)
        throw new CliError(
          `stored model ${hash} is damaged; it will be fetched again when a round needs it`,
          1,
        );
      return {
        label: hash.slice(0, 12),
        weights: decodeFfwt(hash.slice(0, 12), bytes),
        spec: o.specPath ? await readSpec(o.specPath) : meta.modelSpec,
      };
    }
  }
  const path = resolve(o.cwd, o.arg);
  if (!(await stat(path).catch(() => undefined))?.isFile()) {
    throw usageError(`--model ${o.arg} is neither a stored model hash nor an existing file`);
  }
  if (path.endsWith('.json')) {
    const checkpoint = await readCheckpoint(path);
    return { ...checkpoint, spec: o.specPath ? await readSpec(o.specPath) : checkpoint.spec };
  }
  const sidecar = path.replace(/\.ffwt$/, '') + '.json';
  const spec = o.specPath ? await readSpec(o.specPath) : await readSidecarSpec(sidecar);
  if (!spec) throw usageError(`no model spec for ${path}: pass --spec FILE (a ModelSpec as JSON)`);
  return { label: path, weights: decodeFfwt(path, new Uint8Array(await readFile(path))), spec };
}

function decodeFfwt(label: string, bytes: Uint8Array): Weights {
  const decoded = decodeWeights(bytes);
  if (!decoded.ok) throw new CliError(`${label} is not a valid weights file: ${decoded.error.message}`, 1);
  return decoded.data;
}

/** A checkpoint the operator downloaded: its `model.json` and the weights file it names beside it. */
async function readCheckpoint(path: string): Promise<FoundModel> {
  const checkpoint = await readJsonFlag(
    { flag: '--model', path, schema: CheckpointModelJson },
    (issues) => `not a ${CHECKPOINT_FORMAT} model.json (${issues})`,
  );
  const weightsPath = join(dirname(path), checkpoint.weightsManifest[0]!.paths[0]!);
  const weightsBin = await readFile(weightsPath).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(
      `${path} names its weights ${weightsPath}, which cannot be read (${err.code ?? err.message}); download it beside model.json`,
      1,
    );
  });
  const weights = await readCheckpointWeights(checkpoint, new Uint8Array(weightsBin));
  if (!weights.ok) throw new CliError(`${weightsPath}: ${weights.error.message}`, 1);
  const { runId, round, modelSpec } = checkpoint.userDefinedMetadata;
  return { label: `round ${round} of run ${runId}`, weights: weights.data, spec: modelSpec };
}

function readSpec(path: string): Promise<ModelSpec> {
  return readJsonFlag({ flag: '--spec', path, schema: ModelSpecSchema }, (issues) => issues);
}

/** A JSON file named by a flag, parsed with `schema`; each way it can fail is a usage error naming it. */
async function readJsonFlag<T>(
  o: { flag: string; path: string; schema: z.ZodType<T> },
  describeIssues: (issues: string) => string,
): Promise<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(o.path, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not valid JSON';
    throw usageError(`${o.flag} ${o.path}: ${why}`);
  }
  const parsed = o.schema.safeParse(raw);
  if (!parsed.success)
    throw usageError(`${o.flag} ${o.path}: ${describeIssues(formatIssues(parsed.error.issues))}`);
  return parsed.data;
}

async function readSidecarSpec(path: string): Promise<ModelSpec | undefined> {
  try {
    const meta = StoredModelMeta.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return meta.success ? meta.data.modelSpec : undefined;
  } catch {
    return undefined;
  }
}

const METRIC_COLUMNS = ['auc', 'f1', 'precision', 'recall', 'accuracy'];

/** Per-task metrics as an aligned table. */
export function metricsTable(tasks: Record<string, TaskEvaluation>): string[] {
  const header = ['task', 'n', ...METRIC_COLUMNS, 'attention ehr/imaging/genomics'];
  const rows = Object.entries(tasks).map(([task, t]) => {
    const m = t.metrics;
    const attention = ['ehr', 'imaging', 'genomics'].map((k) => m[`attention.${k}`]);
    return [
      task,
      String(t.numExamples),
      ...METRIC_COLUMNS.map((k) => (m[k] === undefined ? '-' : m[k].toFixed(3))),
      attention.every((v) => v === undefined) ? '-' : attention.map((v) => (v ?? 0).toFixed(2)).join('/'),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}
