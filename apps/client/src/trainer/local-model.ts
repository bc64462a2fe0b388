import { loadSite, type SiteData } from '@fedfuse/data';
import type { ModelBatch, TriModalModel } from '@fedfuse/model';
import {
  createModel,
  evaluateModalityRemoval,
  evaluateModel,
  getWeights,
  layoutOf,
  setWeights,
  siteIntercepts,
  trainLocalRound,
  type TrainingPool,
} from '@fedfuse/model';
import type { ModelSpec, WeightsManifest } from '@fedfuse/protocol';

import { manifestMismatch } from '../fl/manifest-map.ts';
import { specModalities } from '../fl/spec-fit.ts';
import { taskEvaluations } from '../fl/task-evaluation.ts';
import { siteDataSchema } from '../daemon/data-schema.ts';
import { fitBatch, presenceCombinations, type BatchWidths } from './fit-batch.ts';
import type {
  DataSummary,
  EvaluateOutcome,
  EvaluateRequest,
  TrainOutcome,
  TrainRequest,
} from './messages.ts';

/**
 * The site's data and the run's model, inside the worker thread: loads the data once, rebuilds the model
 * when the spec changes, trains and evaluates. Nothing here knows about sockets.
 */
export class LocalModel {
  private configPath: string | undefined;
  private site: SiteData | undefined;
  // The site re-read at a run's image size, when that differs from the site config's.
  private resized: { key: string; site: SiteData } | undefined;
  private model: { key: string; model: TriModalModel } | undefined;

  /** `pool`: replica threads to train on (data-parallel); without one, training runs in this thread. */
  constructor(private readonly pool?: TrainingPool) {}

  /** Load (or reload) the site data and describe it. */
  async load(configPath: string): Promise<DataSummary> {
    const site = await loadSite({ config: configPath });
    this.configPath = configPath;
    this.site = site;
    this.resized = undefined;
    return summarize(site);
  }

  /** One local round on the global weights; returns trained − global. */
  async train(req: TrainRequest, onEpoch?: (epoch: number, loss: number) => void): Promise<TrainOutcome> {
    const site = await this.siteFor(req.spec);
    const batch = fitBatch(site.train.batch, { widths: widthsOf(site), spec: req.spec });
    const model = this.modelFor(req.spec, req.manifest);
    setWeights(model, req.global);
    const { config } = req;
    const options = {
      epochs: config.epochs,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      seed: config.seed,
      modalityKeepProb: config.modalityKeepProb,
      proximal: config.proximalMu > 0 ? { mu: config.proximalMu, reference: req.global } : undefined,
      // δ is the accountant's, not training's.
      dpSgd: config.dpSgd
        ? { clip: config.dpSgd.clip, noiseMultiplier: config.dpSgd.noiseMultiplier }
        : undefined,
      onEpoch,
    };
    const result = this.pool
      ? await this.pool.train(model, batch, options)
      : trainLocalRound(model, batch, options);
    const trained = getWeights(model).weights;
    const delta = new Float32Array(trained.length);
    for (let i = 0; i < trained.length; i++) delta[i] = trained[i]! - req.global[i]!;
    return {
      delta,
      lossPerEpoch: result.lossPerEpoch,
      lossTerms: result.lossTerms,
      numExamples: result.numExamples,
      groupExamples: result.groupExamples,
      seconds: result.seconds,
    };
  }

  /** Score weights on the test and validation splits; only counts, metrics and histograms come back. */
  async evaluate(req: EvaluateRequest): Promise<EvaluateOutcome> {
    const site = await this.siteFor(req.spec);
    const batch = fitBatch(site.test.batch, { widths: widthsOf(site), spec: req.spec });
    const model = this.modelFor(req.spec, req.manifest);
    setWeights(model, req.weights);
    const held = fitBatch(site.validation.batch, { widths: widthsOf(site), spec: req.spec });
    const calibration = recalibrationBatch(site, req);
    // One pass of the encoders over the calibration rows gives every subset scored below its intercepts.
    const intercepts = calibration
      ? siteIntercepts(model, calibration, {
          hides: [[], ...model.config.modalities.map((m) => [m])],
          batchSize: req.batchSize,
        })
      : undefined;
    const recalibrated = intercepts ? { intercepts } : {};
    const validation = {
      numExamples: held.n,
      tasks: taskEvaluations({
        evaluation:
          held.n > 0
            ? evaluateModel(model, held, { batchSize: req.batchSize, ...recalibrated })
            : { n: 0, tasks: {}, predictions: new Float32Array(0) },
        labels: held.labels,
        modelTasks: req.spec.tasks,
        tasks: req.tasks,
        bins: req.bins,
      }),
    };
    // The same patients with one modality hidden too: the dashboard's ablation table.
    const { full: evaluation, removed } =
      batch.n > 0
        ? evaluateModalityRemoval(model, batch, { batchSize: req.batchSize, ...recalibrated })
        : { full: { n: 0, tasks: {}, predictions: new Float32Array(0) }, removed: {} };
    const tasks = taskEvaluations({
      evaluation,
      removed,
      labels: batch.labels,
      modelTasks: req.spec.tasks,
      tasks: req.tasks,
      bins: req.bins,
    });
    return { numExamples: batch.n, tasks, validation };
  }

  /** Free the model's tensors. */
  dispose(): void {
    this.model?.model.dispose();
    this.model = undefined;
  }

  private async siteFor(spec: ModelSpec): Promise<SiteData> {
    const site = this.site;
    if (!site || this.configPath === undefined) throw new Error('the site data is not loaded');
    const key = spec.imageShape.join('x');
    const readsImages = specModalities(spec).includes('imaging') && site.report.modalityCounts.imaging > 0;
    if (key === site.imageShape.join('x') || !readsImages) return site;
    if (this.resized?.key !== key) {
      const [h, w, c] = spec.imageShape;
      this.resized = { key, site: await loadSite({ config: this.configPath, imageShape: [h, w, c] }) };
    }
    return this.resized.site;
  }

  private modelFor(spec: ModelSpec, manifest: WeightsManifest): TriModalModel {
    const key = JSON.stringify(spec);
    if (this.model?.key !== key) {
      this.dispose();
      const model = createModel(spec);
      this.model = { key, model };
    }
    const mismatch = manifestMismatch(manifest, layoutOf(this.model.model).entries);
    if (mismatch) throw new Error(`the global model does not fit the run's model spec: ${mismatch}`);
    return this.model.model;
  }
}

/** The labelled split the run recalibrates on, as the model reads it; none when the run asks for none. */
function recalibrationBatch(site: SiteData, req: EvaluateRequest): ModelBatch | undefined {
  if (!req.recalibrateOn) return undefined;
  return fitBatch(site[req.recalibrateOn].batch, { widths: widthsOf(site), spec: req.spec });
}

function widthsOf(site: SiteData): BatchWidths {
  const [h, w, c] = site.imageShape;
  return {
    tasks: site.tasks,
    ehrDim: site.ehrFeatureNames.length,
    genomicsDim: site.genes.length,
    imageSize: h * w * c,
  };
}

/** Shapes and counts of a loaded site. */
function summarize(site: SiteData): DataSummary {
  const counts = site.report.modalityCounts;
  return {
    site: site.site,
    tasks: site.tasks,
    ehrDim: site.ehrFeatureNames.length,
    genomicsDim: site.genes.length,
    imageShape: site.imageShape,
    modalityCounts: { ehr: counts.ehr, imaging: counts.imaging, genomics: counts.genomics },
    trainPatients: site.train.batch.n,
    validationPatients: site.validation.batch.n,
    testPatients: site.test.batch.n,
    combinations: presenceCombinations([site.train.batch, site.validation.batch, site.test.batch]),
    report: site.report,
    schema: siteDataSchema(site),
  };
}
