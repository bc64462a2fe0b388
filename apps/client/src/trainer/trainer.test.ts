import { loadSite } from '@fedfuse/data';
import { createModel, getWeights, initBackend, layoutOf, setWeights, trainLocalRound } from '@fedfuse/model';
import type { FitConfig, ModelSpec } from '@fedfuse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { toWireManifest } from '../fl/manifest-map.ts';
import { silentLogger } from '../log/logger.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { tinySpec, writeTinySite } from '../testing/tiny-site.ts';
import { fitBatch } from './fit-batch.ts';
import { Trainer } from './trainer.ts';

// Mini-batches of 8 over 18 rows: the last one lacks some modalities, so the variables a step can train
// change between steps (Adam must still keep each variable's own moments).
const config: FitConfig = {
  epochs: 2,
  batchSize: 8,
  learningRate: 0.01,
  modalityKeepProb: 0.9,
  proximalMu: 0.1,
  seed: 42,
};

let trainer: Trainer;
let siteYaml: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const tmp = await tempDir();
  cleanup = tmp.cleanup;
  siteYaml = await writeTinySite(tmp.dir);
  trainer = await Trainer.start({ backend: 'wasm', log: silentLogger });
  await initBackend({ backend: 'wasm', log: () => {} });
});
afterAll(async () => {
  await trainer.close();
  await cleanup();
});

/** The global model a coordinator would send for a spec. */
function globalModel(spec: ModelSpec = tinySpec) {
  const [h, w, c] = spec.imageShape;
  const model = createModel({ ...spec, imageShape: [h, w, c] });
  const { weights } = getWeights(model);
  return { model, weights, manifest: toWireManifest(layoutOf(model).entries) };
}

describe(Trainer.name, () => {
  it('loads the site in the worker and reports shapes and counts, not rows', async () => {
    const summary = await trainer.loadData(siteYaml);
    expect(trainer.backend).toBe('wasm');
    expect(summary).toMatchObject({ site: 'tiny', ehrDim: 4, genomicsDim: 8, imageShape: [8, 8, 1] });
    // 18 labelled for training, 3 of them (15 %) held out for validation, 6 for test.
    expect([summary.trainPatients, summary.validationPatients, summary.testPatients]).toEqual([15, 3, 6]);
    expect(summary.combinations['ehr.imaging.genomics']).toBe(10);
    expect(Object.values(summary.combinations).reduce((a, b) => a + b, 0)).toBe(24);
    expect(summary.report.rejected).toHaveLength(1);
  });

  it('returns exactly trained − global, with the FedProx reference and seed applied', async () => {
    await trainer.loadData(siteYaml);
    const { model, weights, manifest } = globalModel();
    const outcome = await trainer.train({ spec: tinySpec, manifest, global: weights.slice(), config });

    // The same round in this process, from the same files, seed and global weights.
    const site = await loadSite({ config: siteYaml });
    const batch = fitBatch(site.train.batch, {
      widths: { tasks: site.tasks, ehrDim: 4, genomicsDim: 8, imageSize: 64 },
      spec: tinySpec,
    });
    setWeights(model, weights);
    const local = trainLocalRound(model, batch, {
      ...config,
      proximal: { mu: config.proximalMu, reference: weights },
    });
    const trained = getWeights(model).weights;
    const expected = trained.map((v, i) => v - weights[i]!);

    expect(outcome.delta).toHaveLength(weights.length);
    expect(Array.from(outcome.delta)).toEqual(Array.from(expected));
    expect(outcome.delta.some((v) => v !== 0)).toBe(true);
    expect(outcome.lossPerEpoch).toEqual(local.lossPerEpoch);
    expect(outcome.numExamples).toBe(15);
    expect(outcome.groupExamples.ehr).toBe(local.groupExamples.ehr);
    model.dispose();
  });

  it('reports epochs as progress while training', async () => {
    const { model, weights, manifest } = globalModel();
    model.dispose();
    const epochs: number[] = [];
    await trainer.train(
      { spec: tinySpec, manifest, global: weights, config: { ...config, epochs: 3 } },
      (e) => epochs.push(e),
    );
    expect(epochs).toEqual([1, 2, 3]);
  });

  it('evaluates on the test split into counts, metrics and histograms only', async () => {
    const { model, weights, manifest } = globalModel();
    model.dispose();
    const res = await trainer.evaluate({
      spec: tinySpec,
      manifest,
      weights,
      tasks: ['cancer', 'cardiac'],
      bins: 5,
      batchSize: 4,
    });
    expect(res.numExamples).toBe(6);
    // The validation split is scored the same way, on its own patients.
    expect(res.validation.numExamples).toBe(3);
    const held = res.validation.tasks.cancer!.histogram;
    expect([...held.positives, ...held.negatives].reduce((a, b) => a + b)).toBe(3);
    const cancer = res.tasks.cancer!;
    expect(
      cancer.histogram.positives.reduce((a, b) => a + b) + cancer.histogram.negatives.reduce((a, b) => a + b),
    ).toBe(6);
    expect(cancer.histogram.positives.reduce((a, b) => a + b)).toBe(2);
    expect(Object.keys(cancer.metrics).sort()).toEqual(
      [
        'accuracy',
        'attention.ehr',
        'attention.genomics',
        'attention.imaging',
        'auc',
        'f1',
        'precision',
        'recall',
        ...['ehr', 'imaging', 'genomics'].flatMap((m) => [`ablation.${m}.auc`, `ablation.${m}.accuracy`]),
      ].sort(),
    );
    for (const [name, value] of Object.entries(cancer.metrics))
      expect({ name, inUnitRange: value >= 0 && value <= 1 }).toEqual({ name, inUnitRange: true });
    expect(JSON.stringify(res)).not.toMatch(/P\d/);
  });

  it('refits its intercepts on the split the run names: scores move, rankings within the site do not', async () => {
    const { model, weights, manifest } = globalModel();
    model.dispose();
    // Each call hands its weights' buffer to the worker, so each gets its own copy.
    const ask = () => ({
      spec: tinySpec,
      manifest,
      weights: weights.slice(),
      tasks: ['cancer', 'cardiac'],
      bins: 20,
      batchSize: 4,
    });
    const plain = await trainer.evaluate(ask());
    const onTrain = await trainer.evaluate({ ...ask(), recalibrateOn: 'train' });
    const onValidation = await trainer.evaluate({ ...ask(), recalibrateOn: 'validation' });
    const bins = (r: typeof plain) => JSON.stringify(r.tasks.cancer!.histogram);
    // An untrained model scores every patient near 0.5; the site's own base rate moves them.
    expect(bins(onTrain)).not.toBe(bins(plain));
    expect(bins(onValidation)).not.toBe(bins(onTrain));
    for (const task of ['cancer', 'cardiac'])
      for (const metric of ['auc', 'ablation.ehr.auc', 'ablation.imaging.auc'])
        expect(onTrain.tasks[task]!.metrics[metric]).toBeCloseTo(plain.tasks[task]!.metrics[metric]!, 5);
  });

  it('trains and evaluates an EHR-only, one-task model on a site that also holds images and genes', async () => {
    // Another image size and gene count than the site's: the model reads neither.
    const spec: ModelSpec = {
      ...tinySpec,
      modalities: ['ehr'],
      tasks: ['cardiac'],
      genomicsDim: 2000,
      imageShape: [64, 64, 1],
    };
    await trainer.loadData(siteYaml);
    const { model, weights, manifest } = globalModel(spec);
    model.dispose();
    expect(manifest.tensors.map((t) => t.name).join(' ')).not.toMatch(/imaging|genomics/);
    const outcome = await trainer.train({ spec, manifest, global: weights.slice(), config });
    expect(outcome.delta.some((v) => v !== 0)).toBe(true);
    expect(Object.keys(outcome.groupExamples)).not.toContain('imaging');
    expect(outcome.lossTerms.task).toBeGreaterThan(0);
    expect(outcome.lossTerms.reconstruction).toBe(0);
    const { task, auxiliary, alignment, reconstruction, l2, proximal } = outcome.lossTerms;
    expect(task + auxiliary + alignment + reconstruction + l2 + proximal).toBeCloseTo(
      outcome.lossPerEpoch.at(-1)!,
      5,
    );
    const res = await trainer.evaluate({
      spec,
      manifest,
      weights,
      tasks: ['cardiac'],
      bins: 5,
      batchSize: 4,
      // One task, one modality: the intercepts for it and for nothing shown are fitted the same way.
      recalibrateOn: 'train',
    });
    expect(res.numExamples).toBe(6);
    expect(Object.keys(res.tasks.cardiac!.metrics)).toContain('ablation.ehr.auc');
    expect(Object.keys(res.tasks.cardiac!.metrics).join(' ')).not.toMatch(/ablation\.(imaging|genomics)/);
  });

  it('refuses weights whose manifest does not fit the spec, naming the tensor', async () => {
    const { model, weights, manifest } = globalModel();
    model.dispose();
    const renamed = {
      ...manifest,
      tensors: manifest.tensors.map((t, i) => (i === 0 ? { ...t, name: 'other.kernel' } : t)),
    };
    await expect(
      trainer.train({ spec: tinySpec, manifest: renamed, global: weights, config }),
    ).rejects.toThrow(/tensor 0 is "other.kernel"/);
  });
});
